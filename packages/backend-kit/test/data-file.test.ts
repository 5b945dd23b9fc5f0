// The data file an instance stores into and its supervisor reads: what was stored last comes
// back, and a process killed in the middle of a store leaves the store before it, never a mix.
import { spawn } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DataFileWriter, channelProtocol, readDataFile } from "../src/index.js";
import { storeLength } from "./fixtures/store-lengths.mjs";

const { dataFileLayout } = channelProtocol;

/** A valid data-file header (magic, sequence, offset, length, check) claiming what the test says. */
function hostileHeader(sequence: number, length: number, offset: number = dataFileLayout.dataStart): Buffer {
  const header = Buffer.alloc(32);
  header.writeUInt32LE(dataFileLayout.magic, dataFileLayout.at.magic);
  header.writeUInt32LE(sequence, dataFileLayout.at.sequence);
  header.writeDoubleLE(offset, dataFileLayout.at.offset);
  header.writeDoubleLE(length, dataFileLayout.at.length);
  let hash: number = dataFileLayout.checkBasis;
  for (let index = 0; index < dataFileLayout.checkedBytes; index++) hash = Math.imul(hash ^ (header[index] as number), dataFileLayout.checkPrime);
  header.writeUInt32LE(hash >>> 0, dataFileLayout.at.check);
  return header;
}

const directory = mkdtempSync(join(tmpdir(), "samkit-data-file-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;
const newFile = () => {
  const path = join(directory, `file-${++files}`);
  return { path, fd: openSync(path, "w+") };
};
const bytes = (text: string) => new Uint8Array(Buffer.from(text));
const text = (data: Uint8Array | null) => (data === null ? null : Buffer.from(data).toString());

describe("the data file", () => {
  it("gives back what was stored last, null once deleted, and 'nothing stored' for a new file", () => {
    const { fd } = newFile();
    expect(readDataFile(fd, 1 << 26)).toEqual({ stored: false });
    const writer = new DataFileWriter(fd);
    writer.store(bytes("first"));
    let contents = readDataFile(fd, 1 << 26);
    expect(contents.stored && text(contents.data)).toBe("first");
    writer.store(bytes("second, longer than the first"));
    writer.store(bytes("third"));
    contents = readDataFile(fd, 1 << 26);
    expect(contents.stored && text(contents.data)).toBe("third");
    writer.store(null);
    expect(readDataFile(fd, 1 << 26)).toEqual({ stored: true, data: null });
    writer.store(new Uint8Array(0));
    expect(readDataFile(fd, 1 << 26)).toEqual({ stored: true, data: null });
    writer.store(bytes("back"));
    contents = readDataFile(fd, 1 << 26);
    expect(contents.stored && text(contents.data)).toBe("back");
    closeSync(fd);
  });

  it("keeps the store before when the next one's header is half written, or its data written with no header", () => {
    const { fd } = newFile();
    const writer = new DataFileWriter(fd);
    writer.store(bytes("one"));
    writer.store(bytes("two"));
    // Store 3 would take header 1 (at byte 32): a torn one there must not count.
    writeSync(fd, Buffer.from([0x53, 0x41, 0x4d, 0x44, 3, 0, 0]), 0, 7, 32);
    let contents = readDataFile(fd, 1 << 26);
    expect(contents.stored && text(contents.data)).toBe("two");
    // Its data ("one" is at byte 4096, "two" after it: a 3-byte store 3 goes back to 4096),
    // written without the header that would name it.
    writeSync(fd, Buffer.from("six"), 0, 3, 4096);
    contents = readDataFile(fd, 1 << 26);
    expect(contents.stored && text(contents.data)).toBe("two");
    closeSync(fd);
  });

  it("stays within about three times the largest store, however the sizes go", () => {
    const { fd } = newFile();
    const writer = new DataFileWriter(fd);
    const largest = 5000;
    for (let size = 1; size <= largest; size++) writer.store(new Uint8Array(size).fill(size & 0xff));
    for (let size = largest; size >= 1; size -= 7) writer.store(new Uint8Array(size));
    for (let round = 0; round < 1000; round++) writer.store(new Uint8Array(largest));
    expect(fstatSync(fd).size).toBeLessThanOrEqual(4096 + 3 * largest);
    const contents = readDataFile(fd, 1 << 26);
    expect(contents.stored && contents.data?.byteLength).toBe(largest);
    closeSync(fd);
  });

  it("goes on from what the file holds when a second writer takes it over", () => {
    const { fd } = newFile();
    const first = new DataFileWriter(fd);
    for (let n = 0; n < 5; n++) first.store(bytes(`first ${n}`));
    const second = new DataFileWriter(fd);
    second.store(bytes("second"));
    let contents = readDataFile(fd, 1 << 26);
    expect(contents.stored && text(contents.data)).toBe("second");
    // Its store did not land on the data it follows: the header before still names that, whole.
    new DataFileWriter(fd).store(bytes("third, long enough not to fit before"));
    contents = readDataFile(fd, 1 << 26);
    expect(contents.stored && text(contents.data)).toBe("third, long enough not to fit before");
    closeSync(fd);
  });

  it("reports a header that names data the file does not hold as CS_ERR_LIBRARY", () => {
    const { path, fd } = newFile();
    new DataFileWriter(fd).store(new Uint8Array(100));
    closeSync(fd);
    // Cut the data off: only a damaged file can do this.
    const cut = openSync(path, "r+");
    const { ftruncateSync } = process.getBuiltinModule("node:fs");
    ftruncateSync(cut, 4100);
    expect(() => readDataFile(cut, 1 << 26)).toThrow(expect.objectContaining({ code: "CS_ERR_LIBRARY", message: expect.stringContaining("shorter than its header says") }));
    closeSync(cut);
  });

  it("refuses, without reading it, a header that claims more than the maximum (a sparse file of 1.5 GiB)", () => {
    const { fd } = newFile();
    new DataFileWriter(fd).store(new Uint8Array(10));
    writeSync(fd, hostileHeader(2, 1.5 * 1024 ** 3), 0, 32, 32);
    const heapBefore = process.memoryUsage().rss;
    const started = performance.now();
    expect(() => readDataFile(fd, 64 * 1024 * 1024)).toThrow(expect.objectContaining({ code: "CS_ERR_TOO_BIG", message: expect.stringContaining("more than maxDataSize") }));
    expect(performance.now() - started).toBeLessThan(500);
    expect(process.memoryUsage().rss - heapBefore).toBeLessThan(64 * 1024 * 1024);
    // Offsets and lengths that are no byte counts at all are refused too.
    for (const [index, [offset, length]] of ([[4096, 0.5], [-1, 10], [Number.NaN, 10], [4096, Number.POSITIVE_INFINITY], [2 ** 60, 10]] as const).entries()) {
      // Slot 1, with a higher sequence than slot 0's: the reader takes it as the newest store.
      writeSync(fd, hostileHeader(10 + index, length, offset), 0, 32, 32);
      expect(() => readDataFile(fd, 64 * 1024 * 1024), `${offset} ${length}`).toThrow(expect.objectContaining({ code: expect.stringMatching(/^CS_ERR_(TOO_BIG|LIBRARY)$/) }));
    }
    closeSync(fd);
  });

  it("after a SIGKILL in the middle of storing, holds one whole store: never a mix of two", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/store-forever.mjs", import.meta.url));
    const seen = new Set<number>();
    for (let round = 0; round < 12; round++) {
      const { path, fd } = newFile();
      const child = spawn(process.execPath, [fixture, path], { stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
      // At a different point of a store each round.
      await new Promise((resolve) => setTimeout(resolve, 20 + round * 13));
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      const contents = readDataFile(fd, 1 << 26);
      expect(contents.stored).toBe(true);
      const data = contents.stored ? contents.data! : new Uint8Array(0);
      const value = data[0] as number;
      // Some store n with n & 0xff === value and exactly its length, all of it that value.
      let match = false;
      for (let n = value === 0 ? 256 : value; n < 5_000_000 && !match; n += 256) match = storeLength(n) === data.byteLength;
      expect(match, `${data.byteLength} bytes of ${value} are no store's`).toBe(true);
      expect(data.every((byte) => byte === value)).toBe(true);
      seen.add(data.byteLength);
      closeSync(fd);
    }
    // The kills landed at different stores.
    expect(seen.size).toBeGreaterThan(1);
  }, 60_000);
});
