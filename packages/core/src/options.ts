import { SamError } from "./sam-error.js";
import { describe, parseSignal, type SignalName } from "./signals.js";
import { assertPlugin } from "./contracts/specification-version.js";
import type { QuorumSource } from "./contracts/quorum-source.js";
import type { DataStore } from "./contracts/data-store.js";
import type { StatePublisher } from "./contracts/state-publisher.js";
import type { Backoff, RestartLimit } from "./policy/policy-types.js";
import type { RecoveryPolicy } from "./recovery-policy.js";

export type { RecoveryPolicy };

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
  /** Beyond SAM: at most `count` restarts within `window` ms; one more and the supervisor quits with 124. */
  restartLimit?: { count: number; window: number };
  /** Beyond SAM: exponential delays between restarts (milliseconds; factor >= 1). */
  backoff?: { initialDelay: number; factor?: number; maxDelay: number; resetAfter?: number };
  /** Beyond SAM: an instance exit code meaning "failed for good": no restart, the supervisor quits with it. */
  noRestartExitCode?: number;
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
  readonly restartLimit: RestartLimit | undefined;
  readonly backoff: Backoff | undefined;
  readonly noRestartExitCode: number | undefined;
}

const knownOptions = new Set(["interval", "recovery", "quorum", "cmap", "store", "warnSignal", "maxDataSize", "restartLimit", "backoff", "noRestartExitCode"]);

function milliseconds(value: unknown, what: string, minimum = 0): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < minimum || value > maxInterval) {
    throw invalid(`${what} must be an integer number of milliseconds from ${minimum} to ${maxInterval}; got ${describe(value)}`);
  }
  return value;
}

function resolveRestartLimit(value: unknown): RestartLimit | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) throw invalid(`restartLimit must be { count, window }, e.g. { count: 5, window: 10000 }; got ${describe(value)}`);
  const { count, window, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw invalid(`restartLimit has no option ${JSON.stringify(Object.keys(rest)[0])}; it takes count and window`);
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0 || count > 1_000_000) throw invalid(`restartLimit.count must be an integer from 0 to 1000000; got ${describe(count)}`);
  return { count, window: milliseconds(window, "restartLimit.window", 1) };
}

function resolveBackoff(value: unknown): Backoff | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null) throw invalid(`backoff must be { initialDelay, maxDelay, factor?, resetAfter? }; got ${describe(value)}`);
  const { initialDelay, maxDelay, factor = 2, resetAfter, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw invalid(`backoff has no option ${JSON.stringify(Object.keys(rest)[0])}; it takes initialDelay, maxDelay, factor and resetAfter`);
  const initial = milliseconds(initialDelay, "backoff.initialDelay");
  const max = milliseconds(maxDelay, "backoff.maxDelay");
  if (max < initial) throw invalid(`backoff.maxDelay (${max}) must not be below backoff.initialDelay (${initial})`);
  if (typeof factor !== "number" || !Number.isFinite(factor) || factor < 1 || factor > 100) throw invalid(`backoff.factor must be a number from 1 to 100; got ${describe(factor)}`);
  // Kubernetes resets after 10 minutes of running; the default here is ten times the longest delay, at least 10 s.
  const reset = resetAfter === undefined ? Math.min(maxInterval, Math.max(10_000, max * 10)) : milliseconds(resetAfter, "backoff.resetAfter");
  return { initialDelay: initial, maxDelay: max, factor, resetAfter: reset };
}

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
  const noRestartExitCode = given.noRestartExitCode;
  if (noRestartExitCode !== undefined && (typeof noRestartExitCode !== "number" || !Number.isInteger(noRestartExitCode) || noRestartExitCode < 1 || noRestartExitCode > 255)) {
    throw invalid(`noRestartExitCode must be an exit code from 1 to 255 (s6 uses 125); got ${describe(noRestartExitCode)}`);
  }
  return {
    restartLimit: resolveRestartLimit(given.restartLimit),
    backoff: resolveBackoff(given.backoff),
    noRestartExitCode: noRestartExitCode as number | undefined,
    interval,
    recovery,
    quorum: given.quorum as QuorumSource | undefined,
    cmap: given.cmap as StatePublisher | undefined,
    store: given.store as DataStore | undefined,
    warnSignal,
    maxDataSize,
  };
}
