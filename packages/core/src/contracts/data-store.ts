import type { SpecificationVersion } from "./specification-version.js";

/**
 * Where the supervisor keeps the instance's data between instances (sam_data_store). Without one,
 * the data lives in the supervisor's memory, as in libsam.
 */
export interface DataStore {
  readonly specificationVersion: SpecificationVersion;
  /** A short name for logs and errors, e.g. `file`. */
  readonly name: string;
  /** The stored bytes, or null when nothing is stored. Called once, when the supervisor starts. */
  load(): Promise<Uint8Array | null>;
  /**
   * Replaces the stored bytes (null deletes them). Atomic: after a crash at any moment, `load()`
   * returns either the old or the new value. Resolves once the value is as durable as the store promises.
   */
  save(data: Uint8Array | null): Promise<void>;
  /** Releases files, locks and connections. */
  close(): Promise<void>;
}
