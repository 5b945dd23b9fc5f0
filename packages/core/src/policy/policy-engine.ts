/**
 * The supervisor's decisions, as a state machine with no I/O and no clock of its own: every event
 * carries `now` (milliseconds on a monotonic clock), and every decision comes back as an action
 * for the backend to carry out. libsam's server loop (sam_parent_handler) is the model; the
 * deliberate differences are marked "differs from libsam".
 */
import type { RecoveryPolicy } from "../options.js";
import type { PublishedState } from "../contracts/state-publisher.js";
import { signalNumber, type SignalName } from "../signals.js";

export interface PolicyConfig {
  /** Milliseconds; 0 means no time-outs. */
  readonly interval: number;
  readonly recovery: RecoveryPolicy;
  /** Whether a quorum source gates start() and triggers recovery when quorum is lost. */
  readonly quorum: boolean;
  /** The warn signal to begin with. */
  readonly warnSignal: SignalName;
  /**
   * Milliseconds from the warn signal to SIGKILL where no interval applies: a stop request or a
   * quorum loss with interval 0. Default 5000.
   */
  readonly killTimeout?: number;
  /** Beyond SAM: at most `count` restarts within `window` ms; one more and the supervisor gives up. */
  readonly restartLimit?: RestartLimit;
  /** Beyond SAM: exponential delays between restarts. */
  readonly backoff?: Backoff;
  /** Beyond SAM: an instance exit code that means "failed for good, do not restart" (s6's 125). */
  readonly noRestartExitCode?: number;
}

export interface RestartLimit {
  /** Restarts allowed within the window. */
  readonly count: number;
  /** Milliseconds; restarts older than this no longer count. */
  readonly window: number;
}

export interface Backoff {
  /** Milliseconds before the first restart after a healthy period. */
  readonly initialDelay: number;
  /** Each further restart waits this many times longer (>= 1). */
  readonly factor: number;
  /** Milliseconds: no delay is longer. */
  readonly maxDelay: number;
  /** Milliseconds an instance must run for the next delay to start from initialDelay again. */
  readonly resetAfter: number;
}

/** The supervisor's exit code when the restart limit is hit: distinct from any instance's own. */
export const restartLimitExitCode = 124;

/** The delay before restart number `consecutive` (0 for the first since a reset). */
export function backoffDelay(backoff: Backoff | undefined, consecutive: number): number {
  if (!backoff) return 0;
  return Math.min(backoff.maxDelay, Math.round(backoff.initialDelay * backoff.factor ** consecutive));
}

/** Messages from the instance. Any of them counts as a sign of life (as in libsam). */
export type InstanceMessage = "start" | "stop" | "heartbeat" | "data-store" | "warn-signal-set" | "other";

export type PolicyEvent =
  /** Begin supervising: the engine asks for the first instance. */
  | { readonly type: "begin"; readonly now: number }
  /** The instance asked for by a `spawn` action now runs. */
  | { readonly type: "spawned"; readonly now: number }
  | { readonly type: "message"; readonly now: number; readonly message: InstanceMessage; readonly warnSignal?: SignalName }
  | { readonly type: "mark-failed"; readonly now: number }
  /** The backend's timer fired; it may fire early or late, the engine checks `now`. */
  | { readonly type: "timer"; readonly now: number }
  /** The instance process ended: `code` when it exited, `signal` when a signal killed it. */
  | { readonly type: "exit"; readonly now: number; readonly code: number | null; readonly signal: SignalName | null }
  | { readonly type: "quorum"; readonly now: number; readonly quorate: boolean }
  /** The supervisor was asked to stop (SIGTERM, SIGINT, `samctl stop`). */
  | { readonly type: "stop-request"; readonly now: number };

export type PolicyAction =
  /** Send a signal to the instance (the warn signal, or SIGKILL). */
  | { readonly type: "signal"; readonly signal: SignalName; readonly reason: "timeout" | "quorum-lost" | "mark-failed" | "stop-request" }
  /** Reply to the instance's pending start() or stop(). */
  | { readonly type: "acknowledge"; readonly message: "start" | "stop" }
  /** Start instance `instanceId` after `delay` milliseconds, then report `spawned`. */
  | { readonly type: "spawn"; readonly instanceId: number; readonly delay: number }
  /** Exit the supervisor with `exitCode`; `failed` when it quits through recovery (libsam's RECOVERY -> QUIT). */
  | { readonly type: "quit"; readonly exitCode: number; readonly failed: boolean }
  /** Publish the instance's state (the CMAP flag). */
  | { readonly type: "publish"; readonly state: PublishedState }
  /** Tell the operator why the supervisor gives up (logged by the backend). */
  | { readonly type: "give-up"; readonly reason: "restart-limit" | "no-restart-exit-code"; readonly message: string }
  /** Publish a changed recovery policy (markFailed forces `quit`). */
  | { readonly type: "publish-recovery"; readonly recovery: RecoveryPolicy };

export type SupervisorPhase =
  /** Before begin. */
  | "idle"
  /** A spawn was asked for and has not been reported yet. */
  | "spawning"
  /** An instance process is alive. */
  | "running"
  /** The supervisor has quit. */
  | "done";

export interface PolicyState {
  readonly phase: SupervisorPhase;
  /** The current (or last) instance's id; 0 before the first. */
  readonly instanceId: number;
  /** libsam's `status`: the instance is timed. */
  readonly started: boolean;
  /** start() is waiting for quorum. */
  readonly waitingForQuorum: boolean;
  /** libsam's `term_send`: the warn signal went out to this instance (at most once per instance). */
  readonly warned: boolean;
  /** SIGKILL went out to this instance. */
  readonly killed: boolean;
  /** When the instance times out unless it sends a message (re-armed by every message). */
  readonly deadline: number | null;
  /** A fixed SIGKILL time that messages do not move (stop request, quorum loss). */
  readonly killAt: number | null;
  readonly recovery: RecoveryPolicy;
  readonly warnSignal: SignalName;
  readonly quorate: boolean;
  readonly stopping: boolean;
  /** The instance marked itself failed: the supervisor quits through recovery whatever else happens. */
  readonly markedFailed: boolean;
  /** The exit code the supervisor quit (or will quit) with. */
  readonly exitCode: number | null;
  /** When the current instance was spawned. */
  readonly spawnedAt: number;
  /** When the restarts still inside the restart-limit window happened. */
  readonly restartTimes: readonly number[];
  /** Restarts since the last healthy period, for the back-off. */
  readonly consecutiveRestarts: number;
}

export interface PolicyStep {
  readonly state: PolicyState;
  readonly actions: readonly PolicyAction[];
}

export const defaultKillTimeout = 5000;

export function initialPolicyState(config: PolicyConfig, quorate = !config.quorum): PolicyState {
  return {
    phase: "idle",
    instanceId: 0,
    started: false,
    waitingForQuorum: false,
    warned: false,
    killed: false,
    deadline: null,
    killAt: null,
    recovery: config.recovery,
    warnSignal: config.warnSignal,
    quorate,
    stopping: false,
    markedFailed: false,
    exitCode: null,
    spawnedAt: 0,
    restartTimes: [],
    consecutiveRestarts: 0,
  };
}

/** The earliest time the engine wants a `timer` event, or null for none. */
export function nextDeadline(state: PolicyState): number | null {
  if (state.deadline === null) return state.killAt;
  if (state.killAt === null) return state.deadline;
  return Math.min(state.deadline, state.killAt);
}

/** The exit code of an instance: its own, or 128 + signal number (differs from libsam, which gives 0). */
export function exitCodeOf(code: number | null, signal: SignalName | null): number {
  if (code !== null) return code;
  if (signal !== null) return 128 + signalNumber(signal);
  return 1;
}

const none: readonly PolicyAction[] = [];

/** The pure transition function: one event in, the next state and the actions out. */
export function policyStep(config: PolicyConfig, state: PolicyState, event: PolicyEvent): PolicyStep {
  if (state.phase === "done") return { state, actions: none };
  const killTimeout = config.killTimeout ?? defaultKillTimeout;
  // After a warning, SIGKILL follows one interval later (libsam's next poll time-out).
  const grace = config.interval > 0 ? config.interval : killTimeout;
  const { now } = event;

  /** libsam's sam_parent_kill_child: the warn signal the first time, SIGKILL after that. */
  const trigger = (s: PolicyState, reason: "timeout" | "quorum-lost" | "stop-request", fixedKill: boolean): PolicyStep => {
    if (!s.warned && s.warnSignal !== "SIGKILL") {
      const rearm = config.interval > 0 && s.started ? now + config.interval : null;
      return {
        state: {
          ...s,
          warned: true,
          deadline: fixedKill ? s.deadline : rearm,
          // Differs from libsam: a quorum loss or a stop request is not undone by heartbeats.
          killAt: fixedKill ? Math.min(s.killAt ?? Infinity, now + grace) : s.killAt,
        },
        actions: [{ type: "signal", signal: s.warnSignal, reason }],
      };
    }
    return {
      state: { ...s, warned: true, killed: true, deadline: null, killAt: null },
      actions: [{ type: "signal", signal: "SIGKILL", reason }],
    };
  };

  switch (event.type) {
    case "begin": {
      if (state.phase !== "idle") return { state, actions: none };
      return {
        state: { ...state, phase: "spawning", instanceId: 1 },
        actions: [{ type: "publish", state: "stopped" }, { type: "spawn", instanceId: 1, delay: 0 }],
      };
    }

    case "spawned": {
      if (state.phase !== "spawning") return { state, actions: none };
      return {
        state: { ...state, phase: "running", spawnedAt: now, started: false, waitingForQuorum: false, warned: false, killed: false, deadline: null, killAt: null },
        actions: none,
      };
    }

    case "message": {
      if (state.phase !== "running") return { state, actions: none };
      const rearmed = state.started && config.interval > 0 ? now + config.interval : state.deadline;
      switch (event.message) {
        case "start": {
          // A repeated start is answered at once when started, and with the first one when quorum comes.
          if (state.waitingForQuorum) return { state, actions: none };
          if (state.started) {
            return { state: { ...state, deadline: rearmed }, actions: [{ type: "acknowledge", message: "start" }] };
          }
          if (config.quorum && !state.quorate) {
            return {
              state: { ...state, waitingForQuorum: true },
              actions: [{ type: "publish", state: "waiting for quorum" }],
            };
          }
          return {
            state: { ...state, started: true, deadline: config.interval > 0 ? now + config.interval : null },
            actions: [{ type: "publish", state: "running" }, { type: "acknowledge", message: "start" }],
          };
        }
        case "stop": {
          if (!state.started) return { state, actions: [{ type: "acknowledge", message: "stop" }] };
          // A stopped instance is not timed, and not killed for a quorum loss either (as in libsam);
          // only a stop request of the supervisor keeps its SIGKILL time.
          return {
            state: { ...state, started: false, deadline: null, killAt: state.stopping ? state.killAt : null },
            actions: [{ type: "publish", state: "stopped" }, { type: "acknowledge", message: "stop" }],
          };
        }
        case "warn-signal-set":
          return { state: { ...state, deadline: rearmed, warnSignal: event.warnSignal ?? state.warnSignal }, actions: none };
        default:
          return rearmed === state.deadline ? { state, actions: none } : { state: { ...state, deadline: rearmed }, actions: none };
      }
    }

    case "mark-failed": {
      if (state.phase !== "running") return { state, actions: none };
      // libsam: term_send = 1, policy forced to QUIT, then SIGKILL at once; status = 1 makes the exit a recovery.
      const actions: PolicyAction[] = [];
      if (state.recovery !== "quit") actions.push({ type: "publish-recovery", recovery: "quit" });
      if (!state.killed) actions.push({ type: "signal", signal: "SIGKILL", reason: "mark-failed" });
      return {
        state: { ...state, recovery: "quit", markedFailed: true, started: true, warned: true, killed: true, deadline: null, killAt: null },
        actions,
      };
    }

    case "timer": {
      if (state.phase !== "running") return { state, actions: none };
      if (state.killAt !== null && now >= state.killAt && !state.killed) {
        return {
          state: { ...state, killed: true, deadline: null, killAt: null },
          actions: [{ type: "signal", signal: "SIGKILL", reason: state.stopping ? "stop-request" : "quorum-lost" }],
        };
      }
      if (state.started && state.deadline !== null && now >= state.deadline) return trigger(state, "timeout", false);
      return { state, actions: none };
    }

    case "quorum": {
      const updated: PolicyState = { ...state, quorate: event.quorate };
      if (state.phase !== "running") return { state: updated, actions: none };
      if (event.quorate && state.waitingForQuorum) {
        return {
          state: { ...updated, waitingForQuorum: false, started: true, deadline: config.interval > 0 ? now + config.interval : null },
          actions: [{ type: "publish", state: "running" }, { type: "acknowledge", message: "start" }],
        };
      }
      if (!event.quorate && state.started && !state.killed) return trigger(updated, "quorum-lost", true);
      return { state: updated, actions: none };
    }

    case "stop-request": {
      if (state.phase === "idle" || state.phase === "spawning") {
        // Between instances (a restart delay): nothing to stop, quit with the last instance's code.
        const exitCode = state.exitCode ?? 0;
        return { state: { ...state, phase: "done", stopping: true, exitCode }, actions: [{ type: "quit", exitCode, failed: false }] };
      }
      if (state.stopping && !state.killed) {
        // A second request (a second Ctrl-C) does not wait for the grace period.
        return {
          state: { ...state, killed: true, deadline: null, killAt: null },
          actions: [{ type: "signal", signal: "SIGKILL", reason: "stop-request" }],
        };
      }
      if (state.killed) return { state: { ...state, stopping: true }, actions: none };
      return trigger({ ...state, stopping: true }, "stop-request", true);
    }

    case "exit": {
      if (state.phase !== "running") return { state, actions: none };
      const exitCode = exitCodeOf(event.code, event.signal);
      const ended: PolicyState = {
        ...state,
        started: false,
        waitingForQuorum: false,
        deadline: null,
        killAt: null,
        exitCode,
      };
      // libsam: EOF while not started is QUIT; while started (or waiting for quorum) it is RECOVERY.
      const recovering = state.started || state.waitingForQuorum || (state.killed && !state.stopping);
      if (!state.markedFailed && (state.stopping || !recovering)) {
        return {
          state: { ...ended, phase: "done" },
          actions: [{ type: "quit", exitCode, failed: false }],
        };
      }
      if (state.recovery === "restart" && !state.stopping) {
        if (config.noRestartExitCode !== undefined && exitCode === config.noRestartExitCode) {
          return {
            state: { ...ended, phase: "done" },
            actions: [
              { type: "give-up", reason: "no-restart-exit-code", message: `instance ${state.instanceId} exited with ${exitCode}, which means "failed for good": not restarting it` },
              { type: "publish", state: "failed" },
              { type: "quit", exitCode, failed: true },
            ],
          };
        }
        const limit = config.restartLimit;
        const restartTimes = limit ? state.restartTimes.filter((time) => time > now - limit.window) : [];
        if (limit && restartTimes.length >= limit.count) {
          return {
            state: { ...ended, phase: "done", exitCode: restartLimitExitCode, restartTimes },
            actions: [
              { type: "give-up", reason: "restart-limit", message: `instance ${state.instanceId} ended (exit code ${exitCode}) after ${limit.count} restarts within ${limit.window} ms: the restart limit is hit, giving up with exit code ${restartLimitExitCode}` },
              { type: "publish", state: "failed" },
              { type: "quit", exitCode: restartLimitExitCode, failed: true },
            ],
          };
        }
        // A healthy run (as long as resetAfter) starts the back-off over.
        const consecutive = config.backoff && now - state.spawnedAt >= config.backoff.resetAfter ? 0 : state.consecutiveRestarts;
        const delay = backoffDelay(config.backoff, consecutive);
        const instanceId = state.instanceId + 1;
        return {
          state: { ...ended, phase: "spawning", instanceId, restartTimes: limit ? [...restartTimes, now] : [], consecutiveRestarts: consecutive + 1 },
          actions: [{ type: "publish", state: "stopped" }, { type: "spawn", instanceId, delay }],
        };
      }
      return {
        state: { ...ended, phase: "done" },
        actions: [{ type: "publish", state: "failed" }, { type: "quit", exitCode, failed: true }],
      };
    }
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A mutable holder around policyStep, for backends. */
export class PolicyEngine {
  #state: PolicyState;

  constructor(readonly config: PolicyConfig, quorate?: boolean) {
    this.#state = initialPolicyState(config, quorate);
  }

  get state(): PolicyState {
    return this.#state;
  }

  /** The earliest time a `timer` event is wanted, or null. */
  get nextDeadline(): number | null {
    return nextDeadline(this.#state);
  }

  handle(event: PolicyEvent): readonly PolicyAction[] {
    const step = policyStep(this.config, this.#state, event);
    this.#state = step.state;
    return step.actions;
  }

  /**
   * The hot path, the same step as handle() of a heartbeat or a data-store message (neither ever
   * yields an action):
   * a running, started instance's deadline moves to now + interval. It changes the current state
   * object in place instead of allocating an event and a copy of the state, so a supervisor can
   * take hundreds of thousands of heartbeats a second without garbage. Every other step still
   * makes a new state, so a state read earlier only ever sees its deadline move.
   */
  heartbeat(now: number): void {
    const state = this.#state as Mutable<PolicyState>;
    if (state.phase === "running" && state.started && this.config.interval > 0) state.deadline = now + this.config.interval;
  }
}
