/**
 * The on-disk format of a SAM data file: a 32-byte header, then the data.
 *
 *   offset  size  field
 *        0     8  magic "SAMKITDS"
 *        8     4  format version (uint32 BE), 1
 *       12     4  flags (uint32 BE): bit 0 set when data is stored; other bits 0
 *       16     8  data length in bytes (uint64 BE)
 *       24     4  CRC-32 of the data (uint32 BE)
 *       28     4  CRC-32 of bytes 0..27 (uint32 BE)
 *       32     n  the data
 *
 * A deleted value is a header with flag bit 0 clear and length 0, so deleting is as atomic as storing.
 */
import { crc32 } from "node:zlib";

export const magic = Buffer.from("SAMKITDS", "ascii");
export const formatVersion = 1;
export const headerSize = 32;
const hasDataFlag = 1;

export function encodeDataFile(data: Uint8Array | null): Buffer {
  const length = data?.byteLength ?? 0;
  const file = Buffer.allocUnsafe(headerSize + length);
  magic.copy(file, 0);
  file.writeUInt32BE(formatVersion, 8);
  file.writeUInt32BE(data === null ? 0 : hasDataFlag, 12);
  file.writeBigUInt64BE(BigInt(length), 16);
  file.writeUInt32BE(data === null ? 0 : crc32(data), 24);
  file.writeUInt32BE(crc32(file.subarray(0, 28)), 28);
  if (data !== null) file.set(data, headerSize);
  return file;
}

/** Why a file could not be read as SAM data: words that finish "the file is ...". */
export type FormatFault = "empty" | "truncated" | "foreign" | "from a newer samkit" | "corrupt";

export class FormatError extends Error {
  override name = "FormatError";
  constructor(
    readonly fault: FormatFault,
    readonly detail: string,
  ) {
    super(`${fault}: ${detail}`);
  }
}

/** The data in a file's bytes, or null for a deleted value; throws FormatError. */
export function decodeDataFile(file: Buffer): Uint8Array | null {
  if (file.byteLength === 0) throw new FormatError("empty", "it has 0 bytes; samkit never writes an empty file");
  if (file.byteLength < magic.byteLength || !file.subarray(0, magic.byteLength).equals(magic)) {
    if (file.byteLength < magic.byteLength && magic.subarray(0, file.byteLength).equals(file)) {
      throw new FormatError("truncated", `it ends after ${file.byteLength} bytes, inside the header`);
    }
    throw new FormatError("foreign", "it does not start with SAMKITDS, so it is not a samkit data file");
  }
  if (file.byteLength < headerSize) throw new FormatError("truncated", `it ends after ${file.byteLength} bytes, inside the ${headerSize}-byte header`);
  if (crc32(file.subarray(0, 28)) !== file.readUInt32BE(28)) throw new FormatError("corrupt", "the header checksum does not match");
  const version = file.readUInt32BE(8);
  if (version !== formatVersion) throw new FormatError("from a newer samkit", `it has format version ${version}; this @samkit/store-file reads version ${formatVersion}`);
  const flags = file.readUInt32BE(12);
  if ((flags & ~hasDataFlag) !== 0) throw new FormatError("corrupt", `unknown flags 0x${flags.toString(16)}`);
  const length = file.readBigUInt64BE(16);
  const actual = BigInt(file.byteLength - headerSize);
  if (actual < length) throw new FormatError("truncated", `the header promises ${length} bytes of data and ${actual} are there`);
  if (actual > length) throw new FormatError("corrupt", `${actual - length} bytes follow the ${length} bytes of data`);
  const data = file.subarray(headerSize);
  if ((flags & hasDataFlag) === 0) {
    if (length !== 0n) throw new FormatError("corrupt", "a deleted value with data");
    return null;
  }
  if (crc32(data) !== file.readUInt32BE(24)) throw new FormatError("corrupt", "the data checksum does not match");
  return length === 0n ? null : new Uint8Array(data);
}
