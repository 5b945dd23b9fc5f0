import { describe, expect, it } from "vitest";
import { decodeDataFile, encodeDataFile, FormatError, headerSize } from "../src/index.js";

const fault = (file: Buffer) => {
  try {
    decodeDataFile(file);
  } catch (error) {
    if (error instanceof FormatError) return error.fault;
    throw error;
  }
  return "none";
};

describe("the data file format", () => {
  it("round-trips data and a deletion", () => {
    const data = Uint8Array.from({ length: 1000 }, (_, index) => index & 0xff);
    const file = encodeDataFile(data);
    expect(file.byteLength).toBe(headerSize + 1000);
    expect(file.subarray(0, 8).toString("ascii")).toBe("SAMKITDS");
    expect(decodeDataFile(file)).toEqual(data);
    expect(decodeDataFile(encodeDataFile(null))).toBeNull();
    expect(encodeDataFile(null).byteLength).toBe(headerSize);
  });

  it("names the fault of every damaged file", () => {
    const good = encodeDataFile(Uint8Array.of(1, 2, 3, 4));
    expect(fault(Buffer.alloc(0))).toBe("empty");
    expect(fault(good.subarray(0, 5))).toBe("truncated");
    expect(fault(good.subarray(0, 20))).toBe("truncated");
    expect(fault(good.subarray(0, good.byteLength - 1))).toBe("truncated");
    expect(fault(Buffer.from("{\"hello\": \"world\"}\n"))).toBe("foreign");
    expect(fault(Buffer.from([0x53]))).toBe("truncated");
    const flipped = Buffer.from(good);
    flipped[headerSize + 1]! ^= 0x10;
    expect(fault(flipped)).toBe("corrupt");
    const header = Buffer.from(good);
    header[17]! ^= 0x01;
    expect(fault(header)).toBe("corrupt");
    expect(fault(Buffer.concat([good, Buffer.of(0)]))).toBe("corrupt");
  });

  it("refuses a newer format version with its own fault", () => {
    const file = encodeDataFile(Uint8Array.of(1));
    file.writeUInt32BE(2, 8);
    // Re-seal the header so only the version differs.
    const { crc32 } = require("node:zlib") as typeof import("node:zlib");
    file.writeUInt32BE(crc32(file.subarray(0, 28)), 28);
    expect(fault(file)).toBe("from a newer samkit");
  });
});
