/**
 * Length-prefixed frames for the channels between a supervisor and its instance: a 1-byte type, a
 * 4-byte big-endian payload length, then the payload. Shared by the backends; each defines its
 * own frame types.
 */

import { headerSize } from "./protocol.generated.js";

export { headerSize };

const empty = Buffer.alloc(0);

export function encodeFrame(type: number, payload: Uint8Array = empty): Buffer {
  const frame = Buffer.allocUnsafe(headerSize + payload.byteLength);
  frame[0] = type;
  frame.writeUInt32BE(payload.byteLength, 1);
  frame.set(payload, headerSize);
  return frame;
}

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/**
 * Splits a byte stream into frames. Whole frames inside one chunk are handed out as views of
 * that chunk; only a frame split across chunks is copied.
 */
export class FrameReader {
  // An incomplete frame is kept as a list of chunks and joined once, when it is complete, so a
  // large data frame arriving in many chunks is copied once, not once per chunk.
  #chunks: Buffer[] = [];
  #pendingLength = 0;
  #needed = 0;
  #failed = false;

  /**
   * @param limitFor the largest payload allowed for a frame type, or undefined for an unknown type
   * @param onFrame called for every frame; the payload is only valid during the call
   */
  constructor(
    private readonly limitFor: (type: number) => number | undefined,
    private readonly onFrame: (type: number, payload: Buffer) => void,
  ) {}

  /** Feeds bytes; throws ProtocolError on an unknown type or an oversized frame, and stays failed. */
  push(chunk: Buffer): void {
    if (this.#failed) return;
    let buffer = chunk;
    if (this.#chunks.length > 0) {
      this.#chunks.push(chunk);
      this.#pendingLength += chunk.byteLength;
      if (this.#pendingLength < this.#needed) return;
      buffer = Buffer.concat(this.#chunks, this.#pendingLength);
      this.#chunks = [];
      this.#pendingLength = 0;
    }
    let offset = 0;
    this.#needed = headerSize;
    while (buffer.byteLength - offset >= headerSize) {
      const type = buffer[offset] as number;
      const length = buffer.readUInt32BE(offset + 1);
      const limit = this.limitFor(type);
      if (limit === undefined) {
        this.#failed = true;
        throw new ProtocolError(`unknown frame type 0x${type.toString(16).padStart(2, "0")}`);
      }
      if (length > limit) {
        this.#failed = true;
        throw new ProtocolError(`frame type 0x${type.toString(16).padStart(2, "0")} of ${length} bytes is over its limit of ${limit} bytes`);
      }
      if (buffer.byteLength - offset - headerSize < length) {
        this.#needed = headerSize + length;
        break;
      }
      const start = offset + headerSize;
      offset = start + length;
      this.onFrame(type, length === 0 ? empty : buffer.subarray(start, offset));
      if (this.#failed) return;
    }
    if (offset < buffer.byteLength) {
      const rest = buffer.subarray(offset);
      this.#chunks = [rest];
      this.#pendingLength = rest.byteLength;
    }
  }

  /** Stops parsing: later bytes are ignored (the peer is being ended). */
  fail(): void {
    this.#failed = true;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pendingBytes(): number {
    return this.#pendingLength;
  }
}
