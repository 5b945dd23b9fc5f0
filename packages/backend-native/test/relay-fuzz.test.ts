// The relay's readers of what Node gives it, under seeded random inputs, built with
// AddressSanitizer and UBSan: the frame reader (native/src/frame_reader.h, 100,000 inputs) and the
// data file reader (native/src/data_file.c, 100,000 files). The seed changes every run and is
// named on a failure (SAMKIT_FUZZ_SEED=<seed> replays it).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const seed = process.env.SAMKIT_FUZZ_SEED ?? String(1 + Math.floor(Math.random() * 2 ** 31));
const folder = mkdtempSync(join(tmpdir(), "samkit-fuzz-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Builds `sources` with the sanitizers and runs the binary with 100,000 inputs of the seed. */
function fuzz(name: string, sources: string[]) {
  const binary = join(folder, name);
  const paths = sources.map((source) => fileURLToPath(new URL(`../native/${source}`, import.meta.url)));
  const build = spawnSync("cc", ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g", "-O1", "-Wall", "-Wextra", "-Werror", "-o", binary, ...paths], { encoding: "utf8" });
  expect(build.status, build.stderr).toBe(0);
  const run = spawnSync(binary, ["100000", seed], { encoding: "utf8", timeout: 120_000 });
  expect(run.status, `${name} failed with seed ${seed} (replay with SAMKIT_FUZZ_SEED=${seed}):\n${run.stderr}`).toBe(0);
  console.log(`${run.stdout.trim()} (seed ${seed})`);
  return run.stdout;
}

it("100,000 inputs through the relay's frame reader: no fault under the sanitizers", () => {
  expect(fuzz("frame_reader_fuzz", ["test/frame_reader_fuzz.c"])).toMatch(/^frame reader fuzz: 100000 inputs, \d+ frames, \d+ refused, no fault/);
}, 180_000);

it("100,000 data files through the relay's reader: the data, nothing or a refusal, no fault under the sanitizers", () => {
  const output = fuzz("data_file_fuzz", ["test/data_file_fuzz.c", "src/data_file.c"]);
  const [, read, empty, refused] = /^data file fuzz: 100000 inputs, (\d+) read, (\d+) empty, (\d+) refused, no fault/.exec(output) ?? [];
  for (const count of [read, empty, refused]) expect(Number(count)).toBeGreaterThan(5_000);
}, 180_000);
