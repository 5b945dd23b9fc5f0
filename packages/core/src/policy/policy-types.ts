/**
 * The policy engine's vocabulary: its configuration, the events a backend feeds it, the actions it
 * asks for, and its state. No code: see policy-step.ts for the rules.
 */
import type { RecoveryPolicy } from "../recovery-policy.js";
import type { PublishedState } from "../contracts/state-publisher.js";
import type { SignalName } from "../signals.js";

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

