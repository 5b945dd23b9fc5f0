import type { SignalName } from "@samkit/core";

/**
 * What the supervisor did, for logs, status and tests. `time` is wall-clock milliseconds with
 * sub-millisecond precision (performance.timeOrigin + performance.now()), comparable across processes.
 */
export type ForkSupervisorEvent =
  /**
   * `delay`: the restart delay the policy asked for; `waited`: milliseconds from the previous
   * instance's exit being judged to this spawn; `standby`: the instance is the promoted spare.
   */
  | { type: "spawn"; time: number; instanceId: number; pid: number; delay?: number; waited?: number; standby?: boolean }
  /** Warm standby: a spare instance was started and will wait in register() until it is needed. */
  | { type: "standby"; time: number; pid: number }
  /** `sinceLastMessage`: milliseconds since the instance's last message, measured in the supervisor. */
  | { type: "signal"; time: number; instanceId: number; pid: number; signal: SignalName; reason: string; sinceLastMessage: number | null }
  | { type: "exit"; time: number; instanceId: number; pid: number; code: number | null; signal: SignalName | null }
  | { type: "quorum"; time: number; quorate: boolean }
  | { type: "quit"; time: number; exitCode: number; failed: boolean }
  | { type: "give-up"; time: number; reason: "restart-limit" | "no-restart-exit-code"; message: string }
  | { type: "error"; time: number; instanceId: number; message: string };

export interface SupervisorStatus {
  /** idle, spawning (a restart delay), running, done */
  phase: string;
  instanceId: number;
  instancePid: number | null;
  started: boolean;
  waitingForQuorum: boolean;
  restarts: number;
  /** Milliseconds since the last message from the instance (a heartbeat, an external one), or null. */
  lastMessageAge: number | null;
  quorate: boolean | null;
  warnSignal: string;
  interval: number;
}

/** A message for the current instance from outside its channel (see Supervision.external). */
export type ExternalMessage = "start" | "stop" | "heartbeat" | "mark-failed";
