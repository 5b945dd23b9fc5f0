// protocol/protocol.json is the one source of the channel protocol's constants: a change there,
// generated, reaches both the TypeScript and the C side, and a file that drifted from it fails
// the check that pnpm lint (so CI) runs.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const repository = fileURLToPath(new URL("../../../", import.meta.url));
const generator = join(repository, "protocol", "generate.mjs");
const scratch = mkdtempSync(join(tmpdir(), "samkit-protocol-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const generate = (...args: string[]) => spawnSync(process.execPath, [generator, ...args], { encoding: "utf8" });
const outputs = ["packages/backend-kit/src/protocol.generated.ts", "packages/core/src/cs-errors.generated.ts", "packages/backend-native/native/src/protocol.h"];

it("the committed files are what the table generates", () => {
  const result = generate("--check");
  expect([result.status, result.stderr]).toEqual([0, ""]);
});

it("a frame type and a size limit changed in the table reach both sides; the old files then fail the check", () => {
  cpSync(join(repository, "protocol"), join(scratch, "protocol"), { recursive: true });
  for (const file of outputs) cpSync(join(repository, file), join(scratch, file));
  const tablePath = join(scratch, "protocol", "protocol.json");
  const table = JSON.parse(readFileSync(tablePath, "utf8")) as { frame: { smallFrameLimit: number }; instanceFrames: { name: string; type: number }[] };
  table.frame.smallFrameLimit = 8192;
  table.instanceFrames.find((frame) => frame.name === "markFailed")!.type = 0x17;
  writeFileSync(tablePath, JSON.stringify(table, null, 2));

  const stale = generate("--root", scratch, "--check");
  expect(stale.status).toBe(1);
  expect(stale.stderr).toMatch(/protocol\.generated\.ts differs from protocol\/protocol\.json/);
  expect(stale.stderr).toMatch(/protocol\.h differs from protocol\/protocol\.json/);

  expect(generate("--root", scratch).status).toBe(0);
  const typescript = readFileSync(join(scratch, outputs[0]!), "utf8");
  const header = readFileSync(join(scratch, outputs[2]!), "utf8");
  expect(typescript).toContain("export const smallFrameLimit = 8192;");
  expect(typescript).toMatch(/markFailed: 0x17,/);
  expect(header).toContain("#define SMALL_FRAME_LIMIT 8192");
  expect(header).toMatch(/#define FRAME_MARK_FAILED 0x17 /);
  expect(generate("--root", scratch, "--check").status).toBe(0);
});
