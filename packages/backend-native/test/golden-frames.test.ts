// The relay's C side of the channel protocol against its golden bytes (protocol/golden-frames.txt),
// built with the sanitizers; backend-kit's golden-frames test checks the TypeScript side.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("the relay reads every golden frame an instance sends it, refuses backend-fork's exit notice, and writes the golden bytes", () => {
  const folder = mkdtempSync(join(tmpdir(), "samkit-golden-"));
  try {
    const binary = join(folder, "golden_frames");
    const sources = ["../native/test/golden_frames.c", "../native/src/channel.c"].map((path) => fileURLToPath(new URL(path, import.meta.url)));
    const build = spawnSync("cc", ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g", "-O1", "-Wall", "-Wextra", "-Werror", "-o", binary, ...sources, "-lpthread"], { encoding: "utf8" });
    expect(build.status, build.stderr).toBe(0);
    const run = spawnSync(binary, [fileURLToPath(new URL("../../../protocol/golden-frames.txt", import.meta.url))], { encoding: "utf8", timeout: 60_000 });
    expect(run.stderr).toBe("");
    expect([run.status, run.stdout]).toEqual([0, "golden frames: 18 checked\n"]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
