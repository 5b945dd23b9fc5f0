import { specificationVersion } from "../contracts/specification-version.js";
import type { DataStore } from "../contracts/data-store.js";
import { SamError } from "../sam-error.js";

export interface MemoryDataStore extends DataStore {
  /** What is stored now (a copy), for tests. */
  peek(): Uint8Array | null;
  /** How many times save() was called. */
  readonly saves: number;
}

/**
 * The reference DataStore: keeps the data in memory, like libsam's supervisor. Useful in tests and
 * as the model the conformance suite holds other stores to.
 */
export function memoryDataStore(initial: Uint8Array | null = null): MemoryDataStore {
  let data = initial === null ? null : new Uint8Array(initial);
  let saves = 0;
  let closed = false;
  const assertOpen = (call: string) => {
    if (closed) throw new SamError("CS_ERR_BAD_HANDLE", `@samkit/core memoryDataStore: ${call} after close()`);
  };
  return {
    specificationVersion,
    name: "memory",
    async load() {
      assertOpen("load()");
      return data === null ? null : new Uint8Array(data);
    },
    async save(next) {
      assertOpen("save()");
      if (next !== null && !(next instanceof Uint8Array)) {
        throw new SamError("CS_ERR_INVALID_PARAM", "@samkit/core memoryDataStore: save() takes a Uint8Array or null");
      }
      saves++;
      data = next === null || next.byteLength === 0 ? null : new Uint8Array(next);
    },
    async close() {
      closed = true;
    },
    peek() {
      return data === null ? null : new Uint8Array(data);
    },
    get saves() {
      return saves;
    },
  };
}
