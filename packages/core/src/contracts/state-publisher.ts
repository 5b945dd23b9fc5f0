import type { SpecificationVersion } from "./specification-version.js";
import type { RecoveryPolicy } from "../recovery-policy.js";

/** The states libsam writes to `resources.process.<pid>.state`. */
export type PublishedState = "stopped" | "running" | "failed" | "waiting for quorum";

/**
 * Publishes the supervisor's view of its instance (SAM's CMAP flag), under
 * `resources.process.<supervisor pid>.` in corosync's CMAP for the corosync publisher.
 */
export interface StatePublisher {
  readonly specificationVersion: SpecificationVersion;
  readonly name: string;
  /** Called once by the supervisor before the first instance: writes `recovery` and `poll_period` (milliseconds). */
  register(details: { pid: number; recovery: RecoveryPolicy; pollPeriod: number }): Promise<void>;
  /** Writes `state`. */
  setState(state: PublishedState): Promise<void>;
  /** Writes `recovery` again, e.g. `quit` after markFailed, so a watchdog acts on the failure. */
  setRecovery(recovery: RecoveryPolicy): Promise<void>;
  /** Writes `last_updated` (monotonic nanoseconds); called for every message from the instance. Never throws. */
  touch(): void;
  /** Deletes every key of this supervisor (a clean quit). */
  remove(): Promise<void>;
  /** Optional: hears of writes that failed without a caller to tell (touch()). Returns an unsubscribe function. */
  onError?(listener: (error: Error) => void): () => void;
  /** Releases the connection without deleting anything. */
  close(): Promise<void>;
}
