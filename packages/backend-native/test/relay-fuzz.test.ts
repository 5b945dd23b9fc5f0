// The relay's frame reader (native/src/frame_reader.h, the code sam-agent reads Node's bytes
// with) under 100,000 random and truncated inputs, built with AddressSanitizer and UBSan.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("100,000 inputs through the relay's frame reader: no fault under the sanitizers", () => {
  const folder = mkdtempSync(join(tmpdir(), "samkit-fuzz-"));
  try {
    const source = fileURLToPath(new URL("../native/test/frame_reader_fuzz.c", import.meta.url));
    const binary = join(folder, "frame_reader_fuzz");
    const build = spawnSync("cc", ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g", "-O1", "-Wall", "-Wextra", "-Werror", "-o", binary, source], { encoding: "utf8" });
    expect(build.status, build.stderr).toBe(0);
    const run = spawnSync(binary, ["100000", "20261125"], { encoding: "utf8", timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^frame reader fuzz: 100000 inputs, \d+ frames, \d+ refused, no fault/);
    console.log(run.stdout.trim());
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}, 180_000);
