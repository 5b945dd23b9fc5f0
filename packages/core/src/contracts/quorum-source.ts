import type { SpecificationVersion } from "./specification-version.js";

/**
 * Where the supervisor learns whether the cluster is quorate (SAM's QUORUM flag).
 * Write your own against this contract: an etcd lease, a Kubernetes lease, a file flag.
 */
export interface QuorumSource {
  readonly specificationVersion: SpecificationVersion;
  /** A short name for logs and errors, e.g. `corosync`. */
  readonly name: string;
  /**
   * Connects and learns the current state. Resolves once `isQuorate()` is meaningful.
   * Rejects with a SamError when the source cannot be reached (the supervisor does not start).
   */
  connect(): Promise<void>;
  /** The last known state. Not quorate while disconnected. */
  isQuorate(): boolean;
  /**
   * Calls `listener` after every change of state, in order, with the new state. A lost connection
   * is reported as `false`. Returns a function that removes the listener.
   */
  onChange(listener: (quorate: boolean) => void): () => void;
  /**
   * Optional: hears of trouble the source copes with by itself (a lost connection it reports as
   * not quorate, failed reconnections), so the supervisor can log it. Returns an unsubscribe function.
   */
  onError?(listener: (error: Error) => void): () => void;
  /** Releases the connection; no listener is called afterwards. */
  close(): Promise<void>;
}
