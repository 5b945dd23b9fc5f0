// 100,000 seeded data files, as a hostile or broken instance could leave them, through the
// supervisor's reader: it gives the data, nothing, or a SamError (CS_ERR_TOO_BIG or
// CS_ERR_LIBRARY), never anything else, never more than the maximum. The seed changes every run
// and is named on a failure (SAMKIT_FUZZ_SEED=<seed> replays it).
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { channelProtocol, DataFileWriter, readDataFile } from "../src/index.js";

const { dataFileLayout: layout } = channelProtocol;
const seed = Number(process.env.SAMKIT_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const folder = mkdtempSync(join(process.platform === "linux" ? "/dev/shm" : tmpdir(), "samkit-data-fuzz-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function random(from: number) {
  let state = from >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** A header, its check right or not. */
function header(next: () => number, sequence: number, offset: number, length: number): Buffer {
  const bytes = Buffer.alloc(layout.headerBytes);
  bytes.writeUInt32LE(next() < 0.95 ? layout.magic : Math.floor(next() * 2 ** 32), layout.at.magic);
  bytes.writeUInt32LE(sequence >>> 0, layout.at.sequence);
  bytes.writeDoubleLE(offset, layout.at.offset);
  bytes.writeDoubleLE(length, layout.at.length);
  let hash: number = layout.checkBasis;
  for (let index = 0; index < layout.checkedBytes; index++) hash = Math.imul(hash ^ (bytes[index] as number), layout.checkPrime);
  bytes.writeUInt32LE(next() < 0.9 ? hash >>> 0 : Math.floor(next() * 2 ** 32), layout.at.check);
  return bytes;
}

describe("data file fuzz", () => {
  it("100,000 files: the data, nothing, or a SamError; never more than the maximum", () => {
    const next = random(seed);
    const maxSize = 4096;
    const file = join(folder, "data");
    const fd = openSync(file, "w+");
    const counts = { stored: 0, nothing: 0, refused: 0 };
    const numbers = [0, 1, 10, 4095, 4096, 4097, 8192, 2 ** 31, 2 ** 53, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 1e300];
    const pick = () => (next() < 0.5 ? (numbers[Math.floor(next() * numbers.length)] as number) : Math.floor(next() * 3 * maxSize));
    const fuzzOne = () => {
      ftruncateSync(fd, 0);
      if (next() < 0.1) new DataFileWriter(fd).store(next() < 0.5 ? null : Buffer.alloc(Math.floor(next() * maxSize), 7));
      for (let slot = 0; slot < layout.headers; slot++) {
        if (next() < 0.7) writeSync(fd, header(next, Math.floor(next() * 5), layout.dataStart + (next() < 0.5 ? 0 : pick()), pick()), 0, layout.headerBytes, slot * layout.headerBytes);
      }
      // A file cut anywhere, or a sparse one that ends far out.
      if (next() < 0.5) ftruncateSync(fd, Math.floor(next() * (layout.dataStart + 2 * maxSize)));
      try {
        const contents = readDataFile(fd, maxSize);
        if (!contents.stored) counts.nothing++;
        else {
          counts.stored++;
          expect(contents.data === null || contents.data.byteLength <= maxSize).toBe(true);
        }
      } catch (error) {
        expect(error).toMatchObject({ name: "SamError", code: expect.stringMatching(/^CS_ERR_(TOO_BIG|LIBRARY)$/) });
        counts.refused++;
      }
    };
    try {
      for (let input = 0; input < 100_000; input++) {
        try {
          fuzzOne();
        } catch (failure) {
          throw new Error(`data file fuzz: input ${input} of seed ${seed} failed (replay with SAMKIT_FUZZ_SEED=${seed}): ${String(failure)}`, { cause: failure });
        }
      }
    } finally {
      closeSync(fd);
    }
    expect(counts.stored).toBeGreaterThan(5_000);
    expect(counts.nothing).toBeGreaterThan(5_000);
    expect(counts.refused).toBeGreaterThan(5_000);
    console.log(`data file fuzz: 100000 files of seed ${seed}: ${counts.stored} read, ${counts.nothing} empty, ${counts.refused} refused, no other outcome`);
  }, 120_000);
});
