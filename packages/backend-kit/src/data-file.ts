/**
 * The data file: where an instance keeps its stored data (sam_data_store) for its supervisor,
 * without a round trip. The supervisor makes one file per instance (unlinked, so only the two
 * processes hold it), and reads it once the instance is gone; the instance writes it in place.
 *
 * Crash safety comes from the order of the writes, not from a checksum over the data. Two
 * headers name where the data is; a store writes its bytes where the current header's data is
 * not, and only then the other header, with the next sequence number. A process killed at any
 * moment leaves the current header and its data untouched, so the reader finds either the old
 * data or the new, never a mix. A header carries a check word, so one half written is ignored.
 *
 * Layout: protocol/protocol.json's dataFile (docs/protocol.md): little-endian, header 0 at byte
 * 0, header 1 after it, the data from dataStart. A header: u32 magic, u32 sequence (1 for the
 * first store), f64 data offset, f64 data length (0 = deleted), u32 check of the bytes before it.
 */
import { fs } from "./node-builtins.js";
import { dataFileLayout } from "./protocol.generated.js";
import { SamError } from "@samkit/core";

const { magic, headerBytes, headers: headerCount, dataStart, checkedBytes, checkBasis, checkPrime, at } = dataFileLayout;

/** FNV-1a over the header's checked bytes. */
function checkOf(header: Buffer): number {
  let hash: number = checkBasis;
  for (let index = 0; index < checkedBytes; index++) hash = Math.imul(hash ^ (header[index] as number), checkPrime);
  return hash >>> 0;
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.byteLength; ) {
    done += fs.writeSync(fd, data, done, data.byteLength - done, position + done);
  }
}

/**
 * The instance's side: each store() writes the data, then flips the header. It goes on from what
 * the file holds, so a file can be handed from one instance to the next (backend-native's is).
 */
export class DataFileWriter {
  readonly #fd: number;
  readonly #header = Buffer.alloc(headerBytes);
  #sequence = 0;
  #offset: number = dataStart;
  #length = 0;

  constructor(fd: number) {
    this.#fd = fd;
    const latest = latestHeader(fd);
    if (latest) {
      this.#sequence = latest.sequence;
      this.#offset = latest.offset;
      this.#length = latest.length;
    }
  }

  /** Throws the system error (ENOSPC, EBADF...) when a write fails; the stored data is then the one before. */
  store(data: Uint8Array | null): void {
    const length = data?.byteLength ?? 0;
    // Not over the current data: before it if it fits there, else after it.
    const offset = this.#length === 0 || dataStart + length <= this.#offset ? dataStart : this.#offset + this.#length;
    if (data !== null && length > 0) writeAll(this.#fd, data, offset);
    const sequence = this.#sequence + 1;
    const header = this.#header;
    header.writeUInt32LE(magic, at.magic);
    header.writeUInt32LE(sequence, at.sequence);
    header.writeDoubleLE(offset, at.offset);
    header.writeDoubleLE(length, at.length);
    header.writeUInt32LE(checkOf(header), at.check);
    writeAll(this.#fd, header, (sequence & 1) * headerBytes);
    this.#sequence = sequence;
    this.#offset = offset;
    this.#length = length;
  }
}

export type DataFileContents = { stored: false } | { stored: true; data: Uint8Array | null };

function readAll(fd: number, into: Buffer, position: number): number {
  let done = 0;
  while (done < into.byteLength) {
    const count = fs.readSync(fd, into, done, into.byteLength - done, position + done);
    if (count === 0) break;
    done += count;
  }
  return done;
}

interface Header {
  sequence: number;
  offset: number;
  length: number;
}

/** The valid header with the highest sequence number, if there is one. */
function latestHeader(fd: number): Header | undefined {
  const headers = Buffer.alloc(headerCount * headerBytes);
  const read = readAll(fd, headers, 0);
  let best: Header | undefined;
  for (let slot = 0; slot < headerCount; slot++) {
    if (read < (slot + 1) * headerBytes) break;
    const header = headers.subarray(slot * headerBytes, (slot + 1) * headerBytes);
    if (header.readUInt32LE(at.magic) !== magic || header.readUInt32LE(at.check) !== checkOf(header)) continue;
    const sequence = header.readUInt32LE(at.sequence);
    if (best === undefined || sequence > best.sequence) best = { sequence, offset: header.readDoubleLE(at.offset), length: header.readDoubleLE(at.length) };
  }
  return best;
}

/**
 * The supervisor's side, once the instance is gone: what it stored last, or `stored: false`
 * when it stored nothing. The header comes from the instance, so it is checked before anything
 * is read: data over `maxSize` bytes is refused with CS_ERR_TOO_BIG, a header that names data
 * the file does not hold with CS_ERR_LIBRARY.
 */
export function readDataFile(fd: number, maxSize: number): DataFileContents {
  const best = latestHeader(fd);
  if (best === undefined) return { stored: false };
  if (best.length === 0) return { stored: true, data: null };
  if (!Number.isSafeInteger(best.length) || best.length < 0 || !Number.isSafeInteger(best.offset) || best.offset < dataStart) {
    throw new SamError("CS_ERR_LIBRARY", `@samkit/backend-kit: the instance's data file has a malformed header (${best.length} bytes at ${best.offset}); the data it stored last is lost`);
  }
  if (best.length > maxSize) {
    throw new SamError("CS_ERR_TOO_BIG", `@samkit/backend-kit: the instance's data file says it holds ${best.length} bytes, more than maxDataSize (${maxSize}); it is not read, and the next instance gets the data before it`);
  }
  const shorter = () => new SamError("CS_ERR_LIBRARY", `@samkit/backend-kit: the instance's data file is shorter than its header says (${best.length} bytes at ${best.offset}); the data it stored last is lost`);
  if (fs.fstatSync(fd).size < best.offset + best.length) throw shorter();
  const data = Buffer.allocUnsafe(best.length);
  if (readAll(fd, data, best.offset) !== best.length) throw shorter();
  return { stored: true, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
