import { SamError } from "./sam-error.js";
import { describe, parseSignal, type SignalName } from "./signals.js";
import { assertPlugin } from "./contracts/specification-version.js";
import type { QuorumSource } from "./contracts/quorum-source.js";
import type { DataStore } from "./contracts/data-store.js";
import type { StatePublisher } from "./contracts/state-publisher.js";

/** What the supervisor does when a started instance dies or is killed for a missed health check. */
export type RecoveryPolicy = "quit" | "restart";

/** The largest interval a Node timer can hold (2^31 - 1 ms, about 24.8 days). */
export const maxInterval = 2_147_483_647;
/** Default and ceiling of the data an instance may store, in bytes. */
export const defaultMaxDataSize = 64 * 1024 * 1024;
export const maxMaxDataSize = 1024 * 1024 * 1024;

/** The options of initialize() (sam_initialize). */
export interface SamOptions {
  /**
   * Milliseconds within which a started instance must send a health check. An integer from 0 to
   * 2147483647; 0 means no time-outs, only the instance's death is detected.
   */
  interval: number;
  /** `restart`: start the next instance (id + 1); `quit`: the supervisor exits with the instance's code. */
  recovery: RecoveryPolicy;
  /** SAM's QUORUM flag: start() waits until quorate, and losing quorum triggers recovery at once. */
  quorum?: QuorumSource;
  /** SAM's CMAP flag: the supervisor publishes the instance's state (e.g. in corosync's CMAP). */
  cmap?: StatePublisher;
  /** Keeps the stored data outside the supervisor's memory (e.g. @samkit/store-file). */
  store?: DataStore;
  /** The signal sent when a health check is missed; default SIGTERM. SIGKILL means no warning. */
  warnSignal?: SignalName | number;
  /** The largest dataStore() in bytes; default 64 MiB, at most 1 GiB. Larger gives CS_ERR_TOO_BIG. */
  maxDataSize?: number;
}

/** initialize() options after validation, with defaults filled in. */
export interface ResolvedOptions {
  readonly interval: number;
  readonly recovery: RecoveryPolicy;
  readonly quorum: QuorumSource | undefined;
  readonly cmap: StatePublisher | undefined;
  readonly store: DataStore | undefined;
  readonly warnSignal: SignalName;
  readonly maxDataSize: number;
}

const knownOptions = new Set(["interval", "recovery", "quorum", "cmap", "store", "warnSignal", "maxDataSize"]);

function invalid(message: string): SamError {
  return new SamError("CS_ERR_INVALID_PARAM", `@samkit/core: ${message}`);
}

/** Validates a millisecond interval: a non-negative integer that fits a timer. */
export function validateInterval(value: unknown, what = "interval"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > maxInterval) {
    throw invalid(`${what} must be an integer number of milliseconds from 0 to ${maxInterval} (0 turns time-outs off); got ${describe(value)}`);
  }
  return value;
}

export function validateRecovery(value: unknown): RecoveryPolicy {
  if (value !== "quit" && value !== "restart") {
    throw invalid(`recovery must be 'quit' or 'restart'; got ${describe(value)}`);
  }
  return value;
}

/** Validates and completes the options of initialize(). Throws CS_ERR_INVALID_PARAM or CS_ERR_VERSION. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalid(`initialize() takes an options object such as { interval: 2000, recovery: 'restart' }; got ${describe(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!knownOptions.has(key)) {
      throw invalid(`initialize() has no option ${JSON.stringify(key)}; the options are ${[...knownOptions].join(", ")}`);
    }
  }
  const interval = validateInterval(given.interval);
  const recovery = validateRecovery(given.recovery);
  if (given.quorum !== undefined) {
    assertPlugin<QuorumSource>(given.quorum, "QuorumSource", "options.quorum", ["connect", "isQuorate", "onChange", "close"]);
  }
  if (given.cmap !== undefined) {
    assertPlugin<StatePublisher>(given.cmap, "StatePublisher", "options.cmap", ["register", "setState", "setRecovery", "touch", "remove", "close"]);
  }
  if (given.store !== undefined) {
    assertPlugin<DataStore>(given.store, "DataStore", "options.store", ["load", "save", "close"]);
  }
  const warnSignal = given.warnSignal === undefined ? "SIGTERM" : parseSignal(given.warnSignal, "options.warnSignal");
  let maxDataSize = defaultMaxDataSize;
  if (given.maxDataSize !== undefined) {
    const value = given.maxDataSize;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > maxMaxDataSize) {
      throw invalid(`options.maxDataSize must be an integer number of bytes from 0 to ${maxMaxDataSize}; got ${describe(value)}`);
    }
    maxDataSize = value;
  }
  return {
    interval,
    recovery,
    quorum: given.quorum as QuorumSource | undefined,
    cmap: given.cmap as StatePublisher | undefined,
    store: given.store as DataStore | undefined,
    warnSignal,
    maxDataSize,
  };
}
