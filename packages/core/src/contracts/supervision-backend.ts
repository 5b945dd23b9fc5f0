import type { SpecificationVersion } from "./specification-version.js";
import type { ResolvedOptions } from "../options.js";
import type { SignalName } from "../signals.js";

/** What the process that calls register() hands to its backend. */
export interface RegisterRequest {
  /** The validated initialize() options. */
  readonly options: ResolvedOptions;
  /** The data stored before register() (the supervisor's copy wins, as in C). */
  readonly data: Uint8Array | null;
  /** The warn signal set before register(). */
  readonly warnSignal: SignalName;
}

/** The supervisor's answer to an instance's register(). */
export interface InstanceRegistration {
  /** 1 for the first instance of a supervisor, then 2, 3, ... */
  readonly instanceId: number;
  /** The data the supervisor holds (a copy for this instance). */
  readonly data: Uint8Array | null;
  /** The warn signal the supervisor will send. */
  readonly warnSignal: SignalName;
  /** The supervisor's interval in milliseconds (it wins over the instance's own initialize()). */
  readonly interval: number;
  /** The link to the supervisor for the rest of this instance's life. */
  readonly link: InstanceLink;
}

/**
 * An instance's connection to its supervisor. Every method maps to one libsam call; requests
 * that wait for a reply resolve once the supervisor has acted on them.
 */
export interface InstanceLink {
  /** sam_start: resolves once the supervisor times this instance (after quorum, with a quorum source). */
  start(): Promise<void>;
  /** sam_stop */
  stop(): Promise<void>;
  /** sam_hc_send: synchronous and fire-and-forget; must not allocate on the hot path. */
  heartbeat(): void;
  /**
   * sam_data_store: resolves once the supervisor (and its store) holds the data: in its memory,
   * or in a file it holds and reads when the instance is gone (backend-fork's data file).
   */
  dataStore(data: Uint8Array | null): Promise<void>;
  /** sam_warn_signal_set */
  warnSignalSet(signal: SignalName): Promise<void>;
  /** sam_mark_failed: the supervisor kills this instance and quits. */
  markFailed(): Promise<void>;
  /**
   * Optional: a backend whose supervisor runs event-driven checks itself (libsam's thread) takes
   * the callback here. Without it, @samkit/core runs the checks on the instance's event loop.
   */
  healthCheck?(callback: (() => boolean | Promise<boolean>) | null): void;
}

/** Which side of SAM this process is. */
export type ProcessRole = "instance" | "supervisor";

/**
 * Process mechanics of supervision. Decisions (warn, kill, restart, quit) come from the policy
 * engine of @samkit/core or, for the native backend, from libsam.
 */
export interface SupervisionBackend {
  readonly specificationVersion: SpecificationVersion;
  /** A short name for logs and errors, e.g. `fork`. */
  readonly name: string;
  /** `instance` when this process was started by this backend's supervisor; fixed for the process's life. */
  role(): ProcessRole;
  /**
   * In an instance: attaches to the supervisor and resolves with its registration.
   * In any other process: makes this process the supervisor. The promise then never resolves;
   * the process exits with the verdict (the instance's exit code, or 128 + signal).
   */
  register(request: RegisterRequest): Promise<InstanceRegistration>;
}
