/**
 * The SAM API (sam_initialize ... sam_finalize) as one object per process: the state machine,
 * argument checks in libsam's order, and the local shadow of data and warn signal that acts
 * before register(). Process mechanics are the backend's.
 */
import { SamError } from "./sam-error.js";
import { describe, parseSignal, type SignalName } from "./signals.js";
import { defaultMaxDataSize, resolveOptions, type ResolvedOptions, type SamOptions } from "./options.js";
import { assertPlugin } from "./contracts/specification-version.js";
import type { InstanceLink, SupervisionBackend } from "./contracts/supervision-backend.js";
import { HealthCheckLoop, type HealthCheckCallback } from "./health-check-loop.js";
import { openSupervisorPlugins } from "./supervisor-plugins.js";

export type SamState = "NOT_INITIALIZED" | "INITIALIZED" | "REGISTERED" | "STARTED" | "FINALIZED";

export interface CreateSamOptions {
  /** The supervision backend, e.g. forkBackend() from @samkit/backend-fork. */
  backend: SupervisionBackend;
}

export interface Sam {
  /** The current state; FINALIZED is terminal. */
  readonly state: SamState;
  /** The instance id once registered (1, 2, 3 ...), otherwise undefined. */
  readonly instanceId: number | undefined;
  /** sam_initialize: NOT_INITIALIZED -> INITIALIZED. */
  initialize(options: SamOptions): Promise<void>;
  /** sam_register: resolves with the instance id in an instance; never resolves in the supervisor. */
  register(): Promise<number>;
  /** sam_start: REGISTERED -> STARTED; waits for quorum with a quorum source. */
  start(): Promise<void>;
  /** sam_stop: STARTED -> REGISTERED. */
  stop(): Promise<void>;
  /** sam_hc_send: one heartbeat; synchronous, fire and forget. */
  hcSend(): void;
  /** sam_hc_callback_register: event-driven checking; `callback` returns true while healthy. */
  hcCallbackRegister(callback: HealthCheckCallback | null): void;
  /** sam_warn_signal_set */
  warnSignalSet(signal: SignalName | number): Promise<void>;
  /** sam_data_store: a Uint8Array, or null to delete. */
  dataStore(data: Uint8Array | null): Promise<void>;
  /** sam_data_getsize */
  dataGetSize(): number;
  /**
   * sam_data_restore: a copy of the stored data, or null. With `into`, copies into it (which must
   * hold the stored size) and returns it.
   */
  dataRestore(into?: Uint8Array): Uint8Array | null;
  /** sam_mark_failed: the supervisor kills this instance at once and quits. */
  markFailed(): Promise<void>;
  /** sam_finalize: stops health checking if started; FINALIZED is terminal. */
  finalize(): Promise<void>;
}

const stateNames: Record<SamState, string> = {
  NOT_INITIALIZED: "before initialize()",
  INITIALIZED: "after initialize() and before register()",
  REGISTERED: "after register() while not started",
  STARTED: "while started",
  FINALIZED: "after finalize()",
};

function badHandle(call: string, state: SamState, needs: string): SamError {
  return new SamError("CS_ERR_BAD_HANDLE", `@samkit/core: ${call} is not allowed ${stateNames[state]} (state ${state}); it needs ${needs}.`);
}

class SamImpl implements Sam {
  #state: SamState = "NOT_INITIALIZED";
  #options: ResolvedOptions | undefined;
  #instanceId: number | undefined;
  #data: Uint8Array | null = null;
  #warnSignal: SignalName = "SIGTERM";
  #link: InstanceLink | undefined;
  #interval = 0;
  #healthCheck: HealthCheckLoop | undefined;
  #healthCheckRegistered = false;
  #starting = false;

  constructor(private readonly backend: SupervisionBackend) {}

  get state(): SamState {
    return this.#state;
  }

  get instanceId(): number | undefined {
    return this.#instanceId;
  }

  #requireState(call: string, allowed: readonly SamState[], needs: string): void {
    if (!allowed.includes(this.#state)) throw badHandle(call, this.#state, needs);
  }

  async initialize(options: SamOptions): Promise<void> {
    // As libsam: a bad policy is reported before the state (CS_ERR_INVALID_PARAM first).
    const resolved = resolveOptions(options);
    this.#requireState("initialize()", ["NOT_INITIALIZED"], "state NOT_INITIALIZED; initialize() can be called once per process");
    if (this.backend.role() === "supervisor") {
      // Only the would-be supervisor touches plugins: an instance must not take the store's lock.
      this.#data = await openSupervisorPlugins(resolved);
    }
    this.#options = resolved;
    this.#warnSignal = resolved.warnSignal;
    this.#interval = resolved.interval;
    this.#state = "INITIALIZED";
  }

  async register(): Promise<number> {
    this.#requireState("register()", ["INITIALIZED"], "state INITIALIZED: call initialize() first, and register() only once");
    const options = this.#options as ResolvedOptions;
    const registration = await this.backend.register({ options, data: this.#data, warnSignal: this.#warnSignal });
    this.#link = registration.link;
    this.#instanceId = registration.instanceId;
    this.#data = registration.data;
    this.#warnSignal = registration.warnSignal;
    this.#interval = registration.interval;
    this.#state = "REGISTERED";
    return registration.instanceId;
  }

  async start(): Promise<void> {
    this.#requireState("start()", ["REGISTERED"], "state REGISTERED: call register() first; start() twice is an error");
    // libsam's mutex makes a second sam_start wait for the first and then fail; so does this.
    if (this.#starting) throw badHandle("start()", this.#state, "no other start() in progress (one is waiting for the supervisor)");
    this.#starting = true;
    try {
      await (this.#link as InstanceLink).start();
    } finally {
      this.#starting = false;
    }
    if (this.#state !== "REGISTERED") return;
    this.#state = "STARTED";
    this.#healthCheck?.start();
  }

  async stop(): Promise<void> {
    this.#requireState("stop()", ["STARTED"], "state STARTED: call start() first");
    await this.#stopLinked();
  }

  async #stopLinked(): Promise<void> {
    this.#healthCheck?.stop();
    await (this.#link as InstanceLink).stop();
    if (this.#state === "STARTED") this.#state = "REGISTERED";
  }

  hcSend(): void {
    if (this.#state !== "STARTED") throw badHandle("hcSend()", this.#state, "state STARTED: call start() first");
    (this.#link as InstanceLink).heartbeat();
  }

  hcCallbackRegister(callback: HealthCheckCallback | null): void {
    if (callback !== null && typeof callback !== "function") {
      throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/core: hcCallbackRegister() takes a function that returns true while healthy, or null; got ${describe(callback)}`);
    }
    this.#requireState("hcCallbackRegister()", ["REGISTERED"], "state REGISTERED: after register() and before start()");
    if (this.#interval === 0) {
      throw new SamError("CS_ERR_INVALID_PARAM", "@samkit/core: hcCallbackRegister() needs an interval above 0; with interval 0 nothing is ever timed, so a health check would mean nothing");
    }
    const link = this.#link as InstanceLink;
    if (!this.#healthCheckRegistered && callback === null) {
      throw new SamError("CS_ERR_INVALID_PARAM", "@samkit/core: the first hcCallbackRegister() needs a function; null only removes a callback registered before");
    }
    this.#healthCheckRegistered = true;
    if (link.healthCheck) {
      link.healthCheck(callback);
      return;
    }
    this.#healthCheck ??= new HealthCheckLoop(
      () => link.heartbeat(),
      this.#interval,
      (reason) => process.emitWarning(`${reason}; heartbeats stop and the supervisor will recover this instance`, { code: "SAMKIT_HEALTH_CHECK_FAILED" }),
    );
    this.#healthCheck.setCallback(callback);
  }

  async warnSignalSet(signal: SignalName | number): Promise<void> {
    const name = parseSignal(signal, "warnSignalSet() signal");
    this.#requireState("warnSignalSet()", ["INITIALIZED", "REGISTERED", "STARTED"], "state INITIALIZED, REGISTERED or STARTED");
    if (this.#link) await this.#link.warnSignalSet(name);
    this.#warnSignal = name;
  }

  async dataStore(data: Uint8Array | null): Promise<void> {
    if (data !== null && !(data instanceof Uint8Array)) {
      throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/core: dataStore() takes a Uint8Array (a Buffer is one), or null to delete the data; got ${describe(data)}`);
    }
    // As libsam: the size is checked before the state, so the default limit applies before initialize().
    const limit = this.#options?.maxDataSize ?? defaultMaxDataSize;
    if (data !== null && data.byteLength > limit) {
      throw new SamError("CS_ERR_TOO_BIG", `@samkit/core: dataStore() got ${data.byteLength} bytes, more than maxDataSize (${limit} bytes); store less, or raise maxDataSize in initialize()`);
    }
    this.#requireState("dataStore()", ["INITIALIZED", "REGISTERED", "STARTED"], "state INITIALIZED, REGISTERED or STARTED");
    // Copy now: the caller may reuse its buffer while the store is in flight.
    const copy = data === null || data.byteLength === 0 ? null : new Uint8Array(data);
    if (this.#link) {
      await this.#link.dataStore(copy);
    } else if (this.backend.role() === "supervisor" && this.#options?.store) {
      await this.#options.store.save(copy);
    }
    this.#data = copy;
  }

  dataGetSize(): number {
    this.#requireState("dataGetSize()", ["INITIALIZED", "REGISTERED", "STARTED"], "state INITIALIZED, REGISTERED or STARTED");
    return this.#data?.byteLength ?? 0;
  }

  dataRestore(into?: Uint8Array): Uint8Array | null {
    if (into !== undefined && !(into instanceof Uint8Array)) {
      throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/core: dataRestore() takes no argument, or a Uint8Array to copy into; got ${describe(into)}`);
    }
    this.#requireState("dataRestore()", ["INITIALIZED", "REGISTERED", "STARTED"], "state INITIALIZED, REGISTERED or STARTED");
    const data = this.#data;
    if (into === undefined) return data === null ? null : new Uint8Array(data);
    if (data === null) return null;
    if (into.byteLength < data.byteLength) {
      throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/core: dataRestore() needs a buffer of at least ${data.byteLength} bytes (dataGetSize()); got ${into.byteLength}`);
    }
    into.set(data);
    return into;
  }

  async markFailed(): Promise<void> {
    this.#requireState("markFailed()", ["REGISTERED", "STARTED"], "state REGISTERED or STARTED: call register() first");
    await (this.#link as InstanceLink).markFailed();
  }

  async finalize(): Promise<void> {
    this.#requireState("finalize()", ["INITIALIZED", "REGISTERED", "STARTED"], "state INITIALIZED, REGISTERED or STARTED; finalize() twice is an error");
    if (this.#state === "STARTED") await this.#stopLinked();
    this.#healthCheck?.stop();
    if (this.#state === "INITIALIZED" && this.backend.role() === "supervisor") {
      // A process that never registered releases what initialize() took.
      await this.#options?.quorum?.close();
      await this.#options?.store?.close();
    }
    this.#state = "FINALIZED";
    this.#data = null;
  }
}

/** Creates the SAM handle of this process (state NOT_INITIALIZED). */
export function createSam(options: CreateSamOptions): Sam {
  if (typeof options !== "object" || options === null) {
    throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/core: createSam() takes { backend }, e.g. createSam({ backend: forkBackend() }); got ${describe(options)}`);
  }
  assertPlugin<SupervisionBackend>(options.backend, "SupervisionBackend", "options.backend", ["role", "register"]);
  return new SamImpl(options.backend);
}
