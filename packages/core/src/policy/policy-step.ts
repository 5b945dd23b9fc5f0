/**
 * The supervisor's decisions, as a state machine with no I/O and no clock of its own: every event
 * carries `now` (milliseconds on a monotonic clock), and every decision comes back as an action
 * for the backend to carry out. libsam's server loop (sam_parent_handler) is the model; the
 * deliberate differences are marked "differs from libsam".
 */
import { signalNumber, type SignalName } from "../signals.js";
import type { Backoff, PolicyAction, PolicyConfig, PolicyEvent, PolicyState, PolicyStep } from "./policy-types.js";

/** The supervisor's exit code when the restart limit is hit: distinct from any instance's own. */
export const restartLimitExitCode = 124;

/** The delay before restart number `consecutive` (0 for the first since a reset). */
export function backoffDelay(backoff: Backoff | undefined, consecutive: number): number {
  if (!backoff) return 0;
  return Math.min(backoff.maxDelay, Math.round(backoff.initialDelay * backoff.factor ** consecutive));
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

/**
 * The deadline after a message from the instance at `now`: any message re-arms a started
 * instance's timer one interval ahead (as in libsam); otherwise it stays as it is.
 */
export function rearmedDeadline(config: PolicyConfig, state: PolicyState, now: number): number | null {
  return state.started && config.interval > 0 ? now + config.interval : state.deadline;
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
      const rearmed = rearmedDeadline(config, state, now);
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
      // Differs from libsam: an instance that marked itself failed never ends in success, even
      // when it exits 0 before the SIGKILL lands; it ends as that SIGKILL would have ended it.
      const exitCode = state.markedFailed && event.code === 0 ? exitCodeOf(null, "SIGKILL") : exitCodeOf(event.code, event.signal);
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

