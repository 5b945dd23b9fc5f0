/**
 * The policy engine is pure: every test drives it with explicit `now` values (a fake clock) and
 * checks the actions it asks for. libsam's server loop (spec section 2.5-2.7, 3) is the model.
 */
import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import {
  PolicyEngine,
  defaultKillTimeout,
  exitCodeOf,
  initialPolicyState,
  nextDeadline,
  policyStep,
} from "../src/index.js";
import type {
  InstanceMessage,
  PolicyAction,
  PolicyConfig,
  PolicyEvent,
  PolicyState,
  SignalName,
} from "../src/index.js";

const config: PolicyConfig = { interval: 1000, recovery: "restart", quorum: false, warnSignal: "SIGTERM" };
const quitConfig: PolicyConfig = { ...config, recovery: "quit" };
const quorumConfig: PolicyConfig = { ...config, quorum: true };

const signalNumbers = constants.signals as Record<string, number>;

/** Holds the state between steps, so a test reads as a sequence of events at given times. */
class Driver {
  state: PolicyState;

  constructor(
    readonly config: PolicyConfig,
    quorate?: boolean,
  ) {
    this.state = initialPolicyState(config, quorate);
  }

  step(event: PolicyEvent): readonly PolicyAction[] {
    const result = policyStep(this.config, this.state, event);
    this.state = result.state;
    return result.actions;
  }

  begin(now = 0) {
    return this.step({ type: "begin", now });
  }
  spawned(now = 0) {
    return this.step({ type: "spawned", now });
  }
  message(now: number, message: InstanceMessage, warnSignal?: SignalName) {
    return this.step(warnSignal === undefined ? { type: "message", now, message } : { type: "message", now, message, warnSignal });
  }
  start(now: number) {
    return this.message(now, "start");
  }
  heartbeat(now: number) {
    return this.message(now, "heartbeat");
  }
  timer(now: number) {
    return this.step({ type: "timer", now });
  }
  exit(now: number, code: number | null, signal: SignalName | null = null) {
    return this.step({ type: "exit", now, code, signal });
  }
  quorum(now: number, quorate: boolean) {
    return this.step({ type: "quorum", now, quorate });
  }
  stopRequest(now: number) {
    return this.step({ type: "stop-request", now });
  }
  markFailed(now: number) {
    return this.step({ type: "mark-failed", now });
  }

  /**
   * Acts like a backend's timer: fires `timer` at every wanted deadline up to `now` (inclusive)
   * and returns every action, in order.
   */
  advanceTo(now: number): PolicyAction[] {
    const actions: PolicyAction[] = [];
    for (let guard = 0; guard < 1000; guard++) {
      const due = nextDeadline(this.state);
      if (due === null || due > now) return actions;
      actions.push(...this.timer(due));
    }
    throw new Error("the engine keeps asking for timers at the same time");
  }
}

/** An instance that runs (begin + spawned at `now`), not yet started. */
function running(policy: PolicyConfig = config, now = 0, quorate?: boolean): Driver {
  const driver = new Driver(policy, quorate);
  driver.begin(now);
  driver.spawned(now);
  return driver;
}

/** An instance that runs and has called start() at `now`. */
function started(policy: PolicyConfig = config, now = 0): Driver {
  const driver = running(policy, now);
  driver.start(now);
  return driver;
}

const warn = (signal: SignalName, reason: "timeout" | "quorum-lost" | "stop-request" | "mark-failed"): PolicyAction => ({
  type: "signal",
  signal,
  reason,
});
const kill = (reason: "timeout" | "quorum-lost" | "stop-request" | "mark-failed"): PolicyAction => warn("SIGKILL", reason);

const allMessages: InstanceMessage[] = ["start", "stop", "heartbeat", "data-store", "warn-signal-set", "other"];

describe("initialPolicyState", () => {
  it("starts idle, with no instance, untimed, unwarned", () => {
    expect(initialPolicyState(config)).toEqual({
      phase: "idle",
      instanceId: 0,
      started: false,
      waitingForQuorum: false,
      warned: false,
      killed: false,
      deadline: null,
      killAt: null,
      recovery: "restart",
      warnSignal: "SIGTERM",
      quorate: true,
      stopping: false,
      markedFailed: false,
      exitCode: null,
      spawnedAt: 0,
      restartTimes: [],
      consecutiveRestarts: 0,
    });
  });

  it.each([
    { quorum: false, quorate: undefined, expected: true },
    { quorum: true, quorate: undefined, expected: false },
    { quorum: true, quorate: true, expected: true },
    { quorum: false, quorate: false, expected: false },
  ])("quorum $quorum, quorate argument $quorate -> quorate $expected", ({ quorum, quorate, expected }) => {
    expect(initialPolicyState({ ...config, quorum }, quorate).quorate).toBe(expected);
  });

  it("takes recovery and warn signal from the config", () => {
    const state = initialPolicyState({ ...config, recovery: "quit", warnSignal: "SIGUSR2" });
    expect(state.recovery).toBe("quit");
    expect(state.warnSignal).toBe("SIGUSR2");
  });
});

describe("begin and spawned", () => {
  it("begin publishes 'stopped' and spawns instance 1 at once", () => {
    const driver = new Driver(config);
    expect(driver.begin(0)).toEqual([
      { type: "publish", state: "stopped" },
      { type: "spawn", instanceId: 1, delay: 0 },
    ]);
    expect(driver.state.phase).toBe("spawning");
    expect(driver.state.instanceId).toBe(1);
    expect(nextDeadline(driver.state)).toBeNull();
  });

  it("a second begin is ignored", () => {
    const driver = new Driver(config);
    driver.begin(0);
    const before = driver.state;
    expect(driver.begin(5)).toEqual([]);
    expect(driver.state).toBe(before);
  });

  it("spawned makes the instance run, not started and untimed", () => {
    const driver = new Driver(config);
    driver.begin(0);
    expect(driver.spawned(3)).toEqual([]);
    expect(driver.state).toMatchObject({
      phase: "running",
      instanceId: 1,
      started: false,
      warned: false,
      killed: false,
      deadline: null,
      killAt: null,
    });
  });

  it("spawned without a pending spawn is ignored (idle, running)", () => {
    const idle = new Driver(config);
    expect(idle.spawned(0)).toEqual([]);
    expect(idle.state.phase).toBe("idle");

    const driver = started(config, 0);
    const before = driver.state;
    expect(driver.spawned(10)).toEqual([]);
    expect(driver.state).toBe(before);
  });

  it.each<[string, PolicyEvent]>([
    ["message", { type: "message", now: 1, message: "start" }],
    ["timer", { type: "timer", now: 10_000 }],
    ["exit", { type: "exit", now: 1, code: 3, signal: null }],
    ["mark-failed", { type: "mark-failed", now: 1 }],
  ])("%s before begin is ignored", (_name, event) => {
    const state = initialPolicyState(config);
    const result = policyStep(config, state, event);
    expect(result.actions).toEqual([]);
    expect(result.state).toBe(state);
  });

  it.each<[string, PolicyEvent]>([
    ["message", { type: "message", now: 1, message: "start" }],
    ["timer", { type: "timer", now: 10_000 }],
    ["exit", { type: "exit", now: 1, code: 3, signal: null }],
    ["mark-failed", { type: "mark-failed", now: 1 }],
  ])("%s while spawning is ignored", (_name, event) => {
    const driver = new Driver(config);
    driver.begin(0);
    const before = driver.state;
    expect(driver.step(event)).toEqual([]);
    expect(driver.state).toBe(before);
  });
});

describe("timing: the deadline", () => {
  it.each(allMessages.filter((message) => message !== "start" && message !== "stop"))(
    "a %s message before start() is not timed",
    (message) => {
      const driver = running(config, 0);
      expect(driver.message(100, message)).toEqual([]);
      expect(driver.state.deadline).toBeNull();
      expect(nextDeadline(driver.state)).toBeNull();
      expect(driver.timer(1_000_000)).toEqual([]);
    },
  );

  it("start() publishes 'running', acknowledges, and arms deadline = now + interval", () => {
    const driver = running(config, 0);
    expect(driver.start(250)).toEqual([
      { type: "publish", state: "running" },
      { type: "acknowledge", message: "start" },
    ]);
    expect(driver.state.started).toBe(true);
    expect(driver.state.deadline).toBe(1250);
    expect(nextDeadline(driver.state)).toBe(1250);
  });

  it.each<[InstanceMessage, readonly PolicyAction[]]>([
    ["heartbeat", []],
    ["data-store", []],
    ["warn-signal-set", []],
    ["other", []],
    ["start", [{ type: "acknowledge", message: "start" }]],
  ])("a %s message while started re-arms the deadline to now + interval", (message, actions) => {
    const driver = started(config, 0);
    expect(driver.message(700, message)).toEqual(actions);
    expect(driver.state.deadline).toBe(1700);
    // The old deadline has passed without effect.
    expect(driver.timer(1000)).toEqual([]);
    expect(driver.timer(1699)).toEqual([]);
    expect(driver.timer(1700)).toEqual([warn("SIGTERM", "timeout")]);
  });

  it("heartbeats every half interval keep the instance alive for ever", () => {
    const driver = started(config, 0);
    const actions: PolicyAction[] = [];
    for (let now = 500; now <= 60_000; now += 500) {
      actions.push(...driver.advanceTo(now));
      actions.push(...driver.heartbeat(now));
    }
    expect(actions).toEqual([]);
    expect(driver.state.deadline).toBe(61_000);
  });

  it.each([0, 1, 500, 999])("a timer at %i (before the deadline 1000) does nothing", (now) => {
    const driver = started(config, 0);
    const before = driver.state;
    expect(driver.timer(now)).toEqual([]);
    expect(driver.state).toBe(before);
  });

  it.each([
    { now: 1000, rearmed: 2000 },
    { now: 1300, rearmed: 2300 },
  ])("a timer at $now (deadline 1000) sends the warn signal and re-arms one interval", ({ now, rearmed }) => {
    const driver = started(config, 0);
    expect(driver.timer(now)).toEqual([warn("SIGTERM", "timeout")]);
    expect(driver.state).toMatchObject({ warned: true, killed: false, deadline: rearmed, killAt: null });
  });

  it("the next timer after the warning sends SIGKILL and disarms", () => {
    const driver = started(config, 0);
    driver.timer(1000);
    expect(driver.timer(1999)).toEqual([]);
    expect(driver.timer(2000)).toEqual([kill("timeout")]);
    expect(driver.state).toMatchObject({ warned: true, killed: true, deadline: null, killAt: null });
    expect(nextDeadline(driver.state)).toBeNull();
    expect(driver.timer(1_000_000)).toEqual([]);
  });

  it("a silent instance is warned one interval after start() and killed one interval later", () => {
    const driver = started(config, 0);
    expect(driver.advanceTo(10_000)).toEqual([warn("SIGTERM", "timeout"), kill("timeout")]);
  });

  it("a message after the warning re-arms the SIGKILL time (libsam: poll re-arms on any command)", () => {
    const driver = started(config, 0);
    driver.timer(1000);
    driver.message(1800, "data-store");
    expect(driver.timer(2000)).toEqual([]);
    expect(driver.timer(2800)).toEqual([kill("timeout")]);
  });

  it("the warning goes out at most once per instance: after heartbeats resume, silence means SIGKILL directly", () => {
    // spec 2.5 term_send probe: after SIGTERM, 2 s of heartbeats, then silence -> SIGKILL 1 s later.
    const driver = started(config, 0);
    expect(driver.timer(1000)).toEqual([warn("SIGTERM", "timeout")]);
    for (const now of [1500, 2000, 2500, 3000]) driver.heartbeat(now);
    expect(driver.state.warned).toBe(true);
    expect(driver.advanceTo(3999)).toEqual([]);
    expect(driver.advanceTo(4000)).toEqual([kill("timeout")]);
  });

  it("the warning is sent at most once even across stop() and start()", () => {
    const driver = started(config, 0);
    driver.timer(1000);
    driver.message(1100, "stop");
    driver.start(1200);
    expect(driver.advanceTo(2200)).toEqual([kill("timeout")]);
  });

  it("a new instance is warned again (term_send is reset at fork)", () => {
    const driver = started(config, 0);
    driver.timer(1000);
    driver.heartbeat(1500);
    expect(driver.exit(1600, 1)).toEqual([
      { type: "publish", state: "stopped" },
      { type: "spawn", instanceId: 2, delay: 0 },
    ]);
    driver.spawned(1600);
    expect(driver.state.warned).toBe(false);
    driver.start(1600);
    expect(driver.advanceTo(10_000)).toEqual([warn("SIGTERM", "timeout"), kill("timeout")]);
  });

  it.each<SignalName>(["SIGUSR1", "SIGUSR2", "SIGINT", "SIGHUP"])("the warn signal set by a message (%s) is the one sent", (signal) => {
    const driver = started(config, 0);
    expect(driver.message(0, "warn-signal-set", signal)).toEqual([]);
    expect(driver.state.warnSignal).toBe(signal);
    expect(driver.advanceTo(10_000)).toEqual([warn(signal, "timeout"), kill("timeout")]);
  });

  it("warn-signal-set before start() sets the signal without arming a deadline", () => {
    const driver = running(config, 0);
    driver.message(10, "warn-signal-set", "SIGUSR2");
    expect(driver.state).toMatchObject({ warnSignal: "SIGUSR2", deadline: null });
  });

  it("warn-signal-set without a signal keeps the current one", () => {
    const driver = started({ ...config, warnSignal: "SIGUSR1" }, 0);
    driver.message(10, "warn-signal-set");
    expect(driver.state.warnSignal).toBe("SIGUSR1");
  });

  it("warn signal SIGKILL (set by a message): the first trigger kills", () => {
    const driver = started(config, 0);
    driver.message(0, "warn-signal-set", "SIGKILL");
    expect(driver.timer(1000)).toEqual([kill("timeout")]);
    expect(driver.state).toMatchObject({ killed: true, deadline: null });
  });

  it("warn signal SIGKILL (from the config): the first trigger kills", () => {
    const driver = started({ ...config, warnSignal: "SIGKILL" }, 0);
    expect(driver.advanceTo(10_000)).toEqual([kill("timeout")]);
  });

  it("the warn signal lives in the supervisor and carries over to the next instance", () => {
    const driver = started(config, 0);
    driver.message(10, "warn-signal-set", "SIGUSR1");
    driver.exit(20, 1);
    driver.spawned(20);
    driver.start(20);
    expect(driver.advanceTo(10_000)).toEqual([warn("SIGUSR1", "timeout"), kill("timeout")]);
  });

  it("interval 0: never a deadline, whatever happens", () => {
    const zero: PolicyConfig = { ...config, interval: 0 };
    const driver = running(zero, 0);
    expect(driver.start(5)).toEqual([
      { type: "publish", state: "running" },
      { type: "acknowledge", message: "start" },
    ]);
    expect(driver.state.started).toBe(true);
    for (const message of allMessages.filter((m) => m !== "stop")) {
      driver.message(10, message);
      expect(driver.state.deadline).toBeNull();
    }
    expect(nextDeadline(driver.state)).toBeNull();
    expect(driver.timer(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it("stop() disarms the deadline and publishes 'stopped'", () => {
    const driver = started(config, 0);
    expect(driver.message(500, "stop")).toEqual([
      { type: "publish", state: "stopped" },
      { type: "acknowledge", message: "stop" },
    ]);
    expect(driver.state).toMatchObject({ started: false, deadline: null });
    expect(driver.timer(1000)).toEqual([]);
    expect(driver.timer(100_000)).toEqual([]);
  });

  it("stop() while not started is acknowledged (differs from libsam, which does not reply)", () => {
    const driver = running(config, 0);
    const before = driver.state;
    expect(driver.message(5, "stop")).toEqual([{ type: "acknowledge", message: "stop" }]);
    expect(driver.state).toBe(before);
  });

  it("start() twice is acknowledged twice, the second without publishing", () => {
    const driver = started(config, 0);
    expect(driver.start(400)).toEqual([{ type: "acknowledge", message: "start" }]);
    expect(driver.state.deadline).toBe(1400);
  });

  it("start() after stop() arms a fresh deadline", () => {
    const driver = started(config, 0);
    driver.message(300, "stop");
    expect(driver.start(5000)).toEqual([
      { type: "publish", state: "running" },
      { type: "acknowledge", message: "start" },
    ]);
    expect(driver.state.deadline).toBe(6000);
  });
});

describe("exit", () => {
  it.each([0, 1, 7, 9, 255])("exit(%i) while not started quits with that code (not failed)", (code) => {
    const driver = running(config, 0);
    expect(driver.exit(10, code)).toEqual([{ type: "quit", exitCode: code, failed: false }]);
    expect(driver.state).toMatchObject({ phase: "done", exitCode: code });
  });

  it("exit after stop() quits with the code, even under restart (spec 2.10)", () => {
    const driver = started(config, 0);
    driver.message(100, "stop");
    expect(driver.exit(200, 4)).toEqual([{ type: "quit", exitCode: 4, failed: false }]);
  });

  it.each<[SignalName]>([["SIGTERM"], ["SIGKILL"], ["SIGSEGV"], ["SIGABRT"], ["SIGUSR2"]])(
    "death by %s while not started quits with 128 + signal number (differs from libsam's 0)",
    (signal) => {
      const driver = running(config, 0);
      const expected = 128 + (signalNumbers[signal] as number);
      expect(driver.exit(10, null, signal)).toEqual([{ type: "quit", exitCode: expected, failed: false }]);
    },
  );

  it("a plain exit code wins over a signal", () => {
    expect(exitCodeOf(3, "SIGTERM")).toBe(3);
  });

  it.each<[number | null, SignalName | null, number]>([
    [0, null, 0],
    [42, null, 42],
    [null, "SIGTERM", 143],
    [null, "SIGKILL", 137],
    [null, "SIGINT", 130],
    [null, null, 1],
  ])("exitCodeOf(%s, %s) = %i", (code, signal, expected) => {
    expect(exitCodeOf(code, signal)).toBe(expected);
  });

  it("exit while started with restart publishes 'stopped' and spawns instanceId + 1", () => {
    const driver = started(config, 0);
    driver.heartbeat(300);
    expect(driver.exit(400, 5)).toEqual([
      { type: "publish", state: "stopped" },
      { type: "spawn", instanceId: 2, delay: 0 },
    ]);
    expect(driver.state).toMatchObject({
      phase: "spawning",
      instanceId: 2,
      started: false,
      deadline: null,
      killAt: null,
      exitCode: 5,
    });
    expect(driver.spawned(401)).toEqual([]);
    expect(driver.state).toMatchObject({ phase: "running", instanceId: 2, started: false, warned: false, killed: false });
  });

  it("exit 0 while started is still a recovery (libsam: EOF while status 1)", () => {
    const driver = started(config, 0);
    expect(driver.exit(10, 0)).toEqual([
      { type: "publish", state: "stopped" },
      { type: "spawn", instanceId: 2, delay: 0 },
    ]);
  });

  it("exit while started with quit publishes 'failed' and quits with the code (failed)", () => {
    const driver = started(quitConfig, 0);
    expect(driver.exit(400, 5)).toEqual([
      { type: "publish", state: "failed" },
      { type: "quit", exitCode: 5, failed: true },
    ]);
    expect(driver.state).toMatchObject({ phase: "done", exitCode: 5 });
  });

  it("exit by a signal while started with quit gives 128 + signal", () => {
    const driver = started(quitConfig, 0);
    expect(driver.exit(400, null, "SIGSEGV")).toEqual([
      { type: "publish", state: "failed" },
      { type: "quit", exitCode: 128 + (signalNumbers.SIGSEGV as number), failed: true },
    ]);
  });

  it("an instance killed after a time-out is restarted", () => {
    const driver = started(config, 0);
    driver.advanceTo(2000);
    expect(driver.state.killed).toBe(true);
    expect(driver.exit(2001, null, "SIGKILL")).toEqual([
      { type: "publish", state: "stopped" },
      { type: "spawn", instanceId: 2, delay: 0 },
    ]);
  });

  it("an instance that dies of the warn signal is restarted", () => {
    const driver = started(config, 0);
    driver.timer(1000);
    expect(driver.exit(1001, null, "SIGTERM")).toEqual([
      { type: "publish", state: "stopped" },
      { type: "spawn", instanceId: 2, delay: 0 },
    ]);
  });

  it("an instance killed after a time-out under quit: 'failed', quit 137", () => {
    const driver = started(quitConfig, 0);
    driver.advanceTo(2000);
    expect(driver.exit(2001, null, "SIGKILL")).toEqual([
      { type: "publish", state: "failed" },
      { type: "quit", exitCode: 137, failed: true },
    ]);
  });

  it("99 crash/restart cycles give instance ids 2..100 (testsam smoke)", () => {
    const driver = started(config, 0);
    const spawned: number[] = [];
    for (let cycle = 0; cycle < 99; cycle++) {
      for (const action of driver.exit(cycle, 1)) if (action.type === "spawn") spawned.push(action.instanceId);
      driver.spawned(cycle);
      driver.start(cycle);
    }
    expect(spawned).toEqual(Array.from({ length: 99 }, (_, index) => index + 2));
    expect(driver.state.instanceId).toBe(100);
  });
});

describe("mark-failed", () => {
  it("under restart: publishes recovery 'quit', SIGKILLs at once, and the exit quits as failed", () => {
    const driver = started(config, 0);
    expect(driver.markFailed(100)).toEqual([
      { type: "publish-recovery", recovery: "quit" },
      kill("mark-failed"),
    ]);
    expect(driver.state).toMatchObject({
      recovery: "quit",
      started: true,
      warned: true,
      killed: true,
      deadline: null,
      killAt: null,
    });
    expect(nextDeadline(driver.state)).toBeNull();
    expect(driver.timer(100_000)).toEqual([]);
    expect(driver.exit(101, null, "SIGKILL")).toEqual([
      { type: "publish", state: "failed" },
      { type: "quit", exitCode: 137, failed: true },
    ]);
  });

  it("followed by a stop request of the supervisor, still quits as failed", () => {
    const driver = started(config, 0);
    driver.markFailed(100);
    driver.stopRequest(101);
    expect(driver.exit(102, null, "SIGKILL")).toEqual([
      { type: "publish", state: "failed" },
      { type: "quit", exitCode: 137, failed: true },
    ]);
  });

  it("under quit: no publish-recovery, only SIGKILL", () => {
    const driver = started(quitConfig, 0);
    expect(driver.markFailed(100)).toEqual([kill("mark-failed")]);
  });

  it("before start(): the exit still counts as a recovery (libsam sets status = 1)", () => {
    const driver = running(config, 0);
    driver.markFailed(10);
    expect(driver.exit(11, null, "SIGKILL")).toEqual([
      { type: "publish", state: "failed" },
      { type: "quit", exitCode: 137, failed: true },
    ]);
  });

  it("after SIGKILL already went out, no second SIGKILL", () => {
    const driver = started(config, 0);
    driver.advanceTo(2000);
    expect(driver.markFailed(2001)).toEqual([{ type: "publish-recovery", recovery: "quit" }]);
  });

  it("even if the instance exits with 0 on its own, the supervisor quits as failed, with the SIGKILL's 137, never 0", () => {
    const driver = started(config, 0);
    driver.markFailed(10);
    expect(driver.exit(11, 0)).toEqual([
      { type: "publish", state: "failed" },
      { type: "quit", exitCode: 137, failed: true },
    ]);
  });

  it("is ignored while no instance runs", () => {
    const driver = new Driver(config);
    expect(driver.markFailed(0)).toEqual([]);
    driver.begin(0);
    expect(driver.markFailed(0)).toEqual([]);
    expect(driver.state.recovery).toBe("restart");
  });
});

describe("quorum", () => {
  it("start() while inquorate waits: publishes 'waiting for quorum', no acknowledge, no deadline", () => {
    const driver = running(quorumConfig, 0);
    expect(driver.state.quorate).toBe(false);
    expect(driver.start(10)).toEqual([{ type: "publish", state: "waiting for quorum" }]);
    expect(driver.state).toMatchObject({ waitingForQuorum: true, started: false, deadline: null });
    expect(driver.timer(100_000)).toEqual([]);
    expect(driver.heartbeat(200)).toEqual([]);
    expect(driver.state.deadline).toBeNull();
  });

  it("quorum regained: publishes 'running', acknowledges start and arms the deadline", () => {
    const driver = running(quorumConfig, 0);
    driver.start(10);
    expect(driver.quorum(5000, true)).toEqual([
      { type: "publish", state: "running" },
      { type: "acknowledge", message: "start" },
    ]);
    expect(driver.state).toMatchObject({ quorate: true, waitingForQuorum: false, started: true, deadline: 6000 });
    expect(driver.advanceTo(10_000)).toEqual([warn("SIGTERM", "timeout"), kill("timeout")]);
  });

  it("quorum regained with interval 0: started, no deadline", () => {
    const driver = running({ ...quorumConfig, interval: 0 }, 0);
    driver.start(10);
    driver.quorum(20, true);
    expect(driver.state).toMatchObject({ started: true, deadline: null });
  });

  it("start() while quorate (quorum config) starts at once", () => {
    const driver = running(quorumConfig, 0, true);
    expect(driver.start(10)).toEqual([
      { type: "publish", state: "running" },
      { type: "acknowledge", message: "start" },
    ]);
    expect(driver.state.deadline).toBe(1010);
  });

  it("without the quorum flag, an inquorate state does not hold start() back", () => {
    const driver = running(config, 0, false);
    expect(driver.start(10)).toEqual([
      { type: "publish", state: "running" },
      { type: "acknowledge", message: "start" },
    ]);
  });

  it("exit while waiting for quorum counts as started: restart (libsam 6.1 #10, test_quorum)", () => {
    const driver = running(quorumConfig, 0);
    driver.start(10);
    expect(driver.exit(20, 1)).toEqual([
      { type: "publish", state: "stopped" },
      { type: "spawn", instanceId: 2, delay: 0 },
    ]);
    expect(driver.state.waitingForQuorum).toBe(false);
  });

  it("exit while waiting for quorum under quit: 'failed', quit failed", () => {
    const driver = running({ ...quorumConfig, recovery: "quit" }, 0);
    driver.start(10);
    expect(driver.exit(20, 2)).toEqual([
      { type: "publish", state: "failed" },
      { type: "quit", exitCode: 2, failed: true },
    ]);
  });

  it("the restarted instance waits for quorum again", () => {
    const driver = running(quorumConfig, 0);
    driver.start(10);
    driver.exit(20, 1);
    driver.spawned(30);
    expect(driver.start(40)).toEqual([{ type: "publish", state: "waiting for quorum" }]);
  });

  it("quorum lost while started: the warn signal at once, and SIGKILL at killAt = now + interval", () => {
    const driver = running(quorumConfig, 0, true);
    driver.start(1000); // deadline 2000
    expect(driver.quorum(1200, false)).toEqual([warn("SIGTERM", "quorum-lost")]);
    expect(driver.state).toMatchObject({ quorate: false, warned: true, killed: false, deadline: 2000, killAt: 2200 });
    expect(nextDeadline(driver.state)).toBe(2000);
  });

  it("heartbeats do NOT move killAt after a quorum loss (differs from libsam)", () => {
    const driver = running(quorumConfig, 0, true);
    driver.start(1000);
    driver.quorum(1200, false);
    const actions: PolicyAction[] = [];
    for (const now of [1500, 1800, 2100]) {
      actions.push(...driver.advanceTo(now));
      actions.push(...driver.heartbeat(now));
      expect(driver.state.killAt).toBe(2200);
    }
    expect(actions).toEqual([]);
    expect(driver.state.deadline).toBe(3100);
    expect(nextDeadline(driver.state)).toBe(2200);
    expect(driver.timer(2199)).toEqual([]);
    expect(driver.timer(2200)).toEqual([kill("quorum-lost")]);
    expect(driver.state).toMatchObject({ killed: true, deadline: null, killAt: null });
    expect(driver.exit(2201, null, "SIGKILL")).toEqual([
      { type: "publish", state: "stopped" },
      { type: "spawn", instanceId: 2, delay: 0 },
    ]);
  });

  it("quorum lost, then silence: the deadline comes first and SIGKILLs (second trigger)", () => {
    const driver = running(quorumConfig, 0, true);
    driver.start(0);
    driver.heartbeat(500); // deadline 1500
    driver.quorum(900, false); // killAt 1900
    expect(driver.advanceTo(1500)).toEqual([kill("timeout")]);
    expect(driver.advanceTo(10_000)).toEqual([]);
  });

  it("quorum regained after the loss does not cancel the kill", () => {
    const driver = running(quorumConfig, 0, true);
    driver.start(0);
    driver.quorum(100, false);
    expect(driver.quorum(200, true)).toEqual([]);
    expect(driver.state).toMatchObject({ quorate: true, killAt: 1100 });
    driver.heartbeat(600);
    expect(driver.advanceTo(1100)).toEqual([kill("quorum-lost")]);
  });

  it("a second inquorate event while warned SIGKILLs at once (libsam: the next trigger)", () => {
    const driver = running(quorumConfig, 0, true);
    driver.start(0);
    driver.quorum(100, false);
    expect(driver.quorum(150, false)).toEqual([kill("quorum-lost")]);
    expect(driver.state.killed).toBe(true);
    expect(driver.quorum(160, false)).toEqual([]);
  });

  it("quorum lost after a time-out warning: SIGKILL at once", () => {
    const driver = running(quorumConfig, 0, true);
    driver.start(0);
    driver.timer(1000);
    driver.heartbeat(1100);
    expect(driver.quorum(1200, false)).toEqual([kill("quorum-lost")]);
  });

  it("quorum lost with warn signal SIGKILL: SIGKILL at once", () => {
    const driver = running({ ...quorumConfig, warnSignal: "SIGKILL" }, 0, true);
    driver.start(0);
    expect(driver.quorum(100, false)).toEqual([kill("quorum-lost")]);
  });

  it.each([
    { killTimeout: undefined, killAt: 100 + defaultKillTimeout },
    { killTimeout: 250, killAt: 350 },
    { killTimeout: 0, killAt: 100 },
  ])("quorum lost with interval 0: killAt = now + killTimeout ($killTimeout)", ({ killTimeout, killAt }) => {
    const policy: PolicyConfig =
      killTimeout === undefined ? { ...quorumConfig, interval: 0 } : { ...quorumConfig, interval: 0, killTimeout };
    const driver = running(policy, 0, true);
    driver.start(0);
    expect(driver.quorum(100, false)).toEqual([warn("SIGTERM", "quorum-lost")]);
    expect(driver.state).toMatchObject({ deadline: null, killAt });
    expect(nextDeadline(driver.state)).toBe(killAt);
    expect(driver.timer(killAt - 1)).toEqual([]);
    expect(driver.timer(killAt)).toEqual([kill("quorum-lost")]);
  });

  it("defaultKillTimeout is 5000 ms", () => {
    expect(defaultKillTimeout).toBe(5000);
  });

  it("a killTimeout in the config does not replace a non-zero interval", () => {
    const driver = running({ ...quorumConfig, killTimeout: 50 }, 0, true);
    driver.start(0);
    driver.quorum(100, false);
    expect(driver.state.killAt).toBe(1100);
  });

  it.each([
    { where: "idle", make: () => new Driver(quorumConfig, true) },
    {
      where: "spawning",
      make: () => {
        const driver = new Driver(quorumConfig, true);
        driver.begin(0);
        return driver;
      },
    },
    { where: "running, not started", make: () => running(quorumConfig, 0, true) },
    {
      where: "running, stopped again",
      make: () => {
        const driver = running(quorumConfig, 0, true);
        driver.start(0);
        driver.message(10, "stop");
        return driver;
      },
    },
  ])("quorum changes while not started ($where) only update quorate", ({ make }) => {
    const driver = make();
    const before = driver.state;
    expect(driver.quorum(100, false)).toEqual([]);
    expect(driver.state).toEqual({ ...before, quorate: false });
    expect(driver.quorum(200, true)).toEqual([]);
    expect(driver.state).toEqual(before);
  });

  it("quorum lost while waiting for quorum does nothing", () => {
    const driver = running(quorumConfig, 0);
    driver.start(0);
    const before = driver.state;
    expect(driver.quorum(100, false)).toEqual([]);
    expect(driver.state).toEqual(before);
  });

  it("quorum lost after SIGKILL went out does nothing", () => {
    const driver = running(quorumConfig, 0, true);
    driver.start(0);
    driver.advanceTo(2000);
    expect(driver.state.killed).toBe(true);
    expect(driver.quorum(2001, false)).toEqual([]);
  });

  it("a second start() while waiting for quorum is not acknowledged before quorum", () => {
    // InstanceLink.start(): "resolves once the supervisor times this instance (after quorum)".
    const driver = running(quorumConfig, 0);
    driver.start(0);
    expect(driver.start(10)).toEqual([]);
    expect(driver.state).toMatchObject({ started: false, waitingForQuorum: true, deadline: null });
  });

  it("stop() after a quorum-loss warning cancels the SIGKILL: a stopped instance is not killed", () => {
    const driver = running(quorumConfig, 0, true);
    driver.start(0);
    driver.quorum(100, false);
    expect(driver.state.killAt).not.toBeNull();
    driver.message(150, "stop");
    expect(driver.state).toMatchObject({ started: false, killAt: null, deadline: null });
    expect(driver.timer(100_000)).toEqual([]);
    expect(driver.exit(100_001, 0, null)).toEqual([{ type: "quit", exitCode: 0, failed: false }]);
  });
});

describe("stop-request", () => {
  it("while started: the warn signal, killAt = now + interval; heartbeats do not move it; then SIGKILL", () => {
    const driver = started(config, 0);
    expect(driver.stopRequest(300)).toEqual([warn("SIGTERM", "stop-request")]);
    expect(driver.state).toMatchObject({ stopping: true, warned: true, killed: false, deadline: 1000, killAt: 1300 });
    driver.heartbeat(900);
    driver.heartbeat(1200);
    expect(driver.state.killAt).toBe(1300);
    expect(driver.timer(1299)).toEqual([]);
    expect(driver.timer(1300)).toEqual([kill("stop-request")]);
    expect(driver.exit(1301, null, "SIGKILL")).toEqual([{ type: "quit", exitCode: 137, failed: false }]);
    expect(driver.state.phase).toBe("done");
  });

  it("while running but not started: warned too, killAt = now + interval", () => {
    const driver = running(config, 0);
    expect(driver.stopRequest(50)).toEqual([warn("SIGTERM", "stop-request")]);
    expect(driver.state).toMatchObject({ deadline: null, killAt: 1050 });
    expect(driver.advanceTo(1050)).toEqual([kill("stop-request")]);
  });

  it.each([
    { killTimeout: undefined, killAt: 50 + defaultKillTimeout },
    { killTimeout: 200, killAt: 250 },
  ])("with interval 0: killAt = now + killTimeout ($killTimeout)", ({ killTimeout, killAt }) => {
    const policy: PolicyConfig =
      killTimeout === undefined ? { ...config, interval: 0 } : { ...config, interval: 0, killTimeout };
    const driver = started(policy, 0);
    driver.stopRequest(50);
    expect(driver.state.killAt).toBe(killAt);
    expect(driver.advanceTo(killAt)).toEqual([kill("stop-request")]);
  });

  it("a second stop-request SIGKILLs at once; a third does nothing", () => {
    const driver = started(config, 0);
    driver.stopRequest(100);
    expect(driver.stopRequest(200)).toEqual([kill("stop-request")]);
    expect(driver.state).toMatchObject({ killed: true, deadline: null, killAt: null });
    expect(driver.stopRequest(300)).toEqual([]);
    expect(driver.timer(100_000)).toEqual([]);
  });

  it.each<[string, number | null, SignalName | null, number]>([
    ["exits 0 on the warn signal", 0, null, 0],
    ["exits 3", 3, null, 3],
    ["dies of SIGTERM", null, "SIGTERM", 143],
  ])("exit while stopping (%s) quits with the code, never a restart", (_what, code, signal, exitCode) => {
    const driver = started(config, 0);
    driver.stopRequest(100);
    expect(driver.exit(150, code, signal)).toEqual([{ type: "quit", exitCode, failed: false }]);
    expect(driver.state).toMatchObject({ phase: "done", exitCode });
  });

  it("exit while stopping under quit is not 'failed'", () => {
    const driver = started(quitConfig, 0);
    driver.stopRequest(100);
    expect(driver.exit(150, null, "SIGTERM")).toEqual([{ type: "quit", exitCode: 143, failed: false }]);
  });

  it("while spawning (between instances): quit with the last instance's exit code", () => {
    const driver = started(config, 0);
    driver.exit(100, 3);
    expect(driver.state.phase).toBe("spawning");
    expect(driver.stopRequest(101)).toEqual([{ type: "quit", exitCode: 3, failed: false }]);
    expect(driver.state).toMatchObject({ phase: "done", stopping: true, exitCode: 3 });
    // The instance asked for by the earlier spawn is not supervised any more.
    expect(driver.spawned(102)).toEqual([]);
  });

  it("while spawning the first instance: quit 0", () => {
    const driver = new Driver(config);
    driver.begin(0);
    expect(driver.stopRequest(1)).toEqual([{ type: "quit", exitCode: 0, failed: false }]);
  });

  it("in idle: quit 0, and begin is ignored afterwards", () => {
    const driver = new Driver(config);
    expect(driver.stopRequest(0)).toEqual([{ type: "quit", exitCode: 0, failed: false }]);
    expect(driver.state.phase).toBe("done");
    expect(driver.begin(1)).toEqual([]);
  });

  it("after SIGKILL already went out: no signal, but the exit quits instead of restarting", () => {
    const driver = started(config, 0);
    driver.advanceTo(2000);
    expect(driver.stopRequest(2001)).toEqual([]);
    expect(driver.state.stopping).toBe(true);
    expect(driver.exit(2002, null, "SIGKILL")).toEqual([{ type: "quit", exitCode: 137, failed: false }]);
  });

  it("with warn signal SIGKILL: SIGKILL at once", () => {
    const driver = started({ ...config, warnSignal: "SIGKILL" }, 0);
    expect(driver.stopRequest(10)).toEqual([kill("stop-request")]);
  });

  it("uses the warn signal set by the instance", () => {
    const driver = started(config, 0);
    driver.message(5, "warn-signal-set", "SIGUSR2");
    expect(driver.stopRequest(10)).toEqual([warn("SIGUSR2", "stop-request")]);
  });

  it("after a time-out warning: SIGKILL at once (the warning is sent at most once)", () => {
    const driver = started(config, 0);
    driver.timer(1000);
    driver.heartbeat(1100);
    expect(driver.stopRequest(1200)).toEqual([kill("stop-request")]);
  });

  it("a time-out during the stop grace period SIGKILLs (the second trigger)", () => {
    const driver = started(config, 0); // deadline 1000
    driver.stopRequest(800); // killAt 1800
    expect(driver.advanceTo(1000)).toEqual([kill("timeout")]);
  });

  it("the killAt of a quorum loss is not extended by a later stop request", () => {
    const driver = running(quorumConfig, 0, true);
    driver.start(0);
    driver.quorum(100, false); // killAt 1100, warned
    // Already warned: the stop request is the second trigger.
    expect(driver.stopRequest(200)).toEqual([kill("stop-request")]);
  });

});

describe("the done phase", () => {
  const events: PolicyEvent[] = [
    { type: "begin", now: 1 },
    { type: "spawned", now: 1 },
    ...allMessages.map((message): PolicyEvent => ({ type: "message", now: 1, message })),
    { type: "message", now: 1, message: "warn-signal-set", warnSignal: "SIGKILL" },
    { type: "mark-failed", now: 1 },
    { type: "timer", now: 1_000_000 },
    { type: "exit", now: 1, code: 1, signal: null },
    { type: "quorum", now: 1, quorate: false },
    { type: "quorum", now: 1, quorate: true },
    { type: "stop-request", now: 1 },
  ];

  it.each(events.map((event) => [event.type + ("message" in event ? ` ${event.message}` : ""), event] as const))(
    "ignores %s",
    (_name, event) => {
      const driver = running(config, 0);
      driver.exit(0, 0);
      const done = driver.state;
      expect(done.phase).toBe("done");
      const result = policyStep(config, done, event);
      expect(result.actions).toEqual([]);
      expect(result.state).toBe(done);
    },
  );
});

describe("nextDeadline", () => {
  const at = (deadline: number | null, killAt: number | null): PolicyState => ({
    ...initialPolicyState(config),
    deadline,
    killAt,
  });

  it.each<[number | null, number | null, number | null]>([
    [null, null, null],
    [1000, null, 1000],
    [null, 2000, 2000],
    [1000, 2000, 1000],
    [3000, 2000, 2000],
    [0, 0, 0],
  ])("deadline %s, killAt %s -> %s", (deadline, killAt, expected) => {
    expect(nextDeadline(at(deadline, killAt))).toBe(expected);
  });
});

describe("purity", () => {
  it("never mutates the state it is given and is deterministic", () => {
    const events: PolicyEvent[] = [
      { type: "begin", now: 0 },
      { type: "spawned", now: 0 },
      { type: "message", now: 0, message: "start" },
      { type: "message", now: 500, message: "heartbeat" },
      { type: "timer", now: 1500 },
      { type: "quorum", now: 1600, quorate: false },
      { type: "stop-request", now: 1700 },
      { type: "timer", now: 2700 },
      { type: "exit", now: 2800, code: null, signal: "SIGKILL" },
    ];
    let state = Object.freeze(initialPolicyState(config));
    for (const event of events) {
      const snapshot = { ...state };
      const first = policyStep(config, state, event);
      const second = policyStep(config, state, event);
      expect(state).toEqual(snapshot);
      expect(second).toEqual(first);
      state = Object.freeze(first.state);
    }
    expect(state.phase).toBe("done");
  });
});

describe("PolicyEngine", () => {
  it("wraps policyStep: state, nextDeadline, handle", () => {
    const engine = new PolicyEngine(config);
    expect(engine.config).toBe(config);
    expect(engine.state).toEqual(initialPolicyState(config));
    expect(engine.nextDeadline).toBeNull();
    expect(engine.handle({ type: "begin", now: 0 })).toEqual([
      { type: "publish", state: "stopped" },
      { type: "spawn", instanceId: 1, delay: 0 },
    ]);
    expect(engine.state.phase).toBe("spawning");
    engine.handle({ type: "spawned", now: 0 });
    engine.handle({ type: "message", now: 100, message: "start" });
    expect(engine.nextDeadline).toBe(1100);
    expect(engine.handle({ type: "timer", now: 1100 })).toEqual([warn("SIGTERM", "timeout")]);
    expect(engine.nextDeadline).toBe(2100);
    expect(engine.handle({ type: "timer", now: 2100 })).toEqual([kill("timeout")]);
    expect(engine.nextDeadline).toBeNull();
    expect(engine.handle({ type: "exit", now: 2101, code: null, signal: "SIGKILL" })).toEqual([
      { type: "publish", state: "stopped" },
      { type: "spawn", instanceId: 2, delay: 0 },
    ]);
    expect(engine.state.instanceId).toBe(2);
  });

  it("takes the initial quorum state", () => {
    expect(new PolicyEngine(quorumConfig).state.quorate).toBe(false);
    expect(new PolicyEngine(quorumConfig, true).state.quorate).toBe(true);
    expect(new PolicyEngine(config).state.quorate).toBe(true);
  });

  it("gives the same results as policyStep for the same events", () => {
    const events: PolicyEvent[] = [
      { type: "begin", now: 0 },
      { type: "spawned", now: 1 },
      { type: "message", now: 2, message: "start" },
      { type: "quorum", now: 3, quorate: true },
      { type: "message", now: 4, message: "heartbeat" },
      { type: "mark-failed", now: 5 },
      { type: "exit", now: 6, code: null, signal: "SIGKILL" },
    ];
    const engine = new PolicyEngine(quorumConfig);
    const driver = new Driver(quorumConfig);
    for (const event of events) {
      expect(engine.handle(event)).toEqual(driver.step(event));
      expect(engine.state).toEqual(driver.state);
    }
    expect(engine.state.phase).toBe("done");
  });
});

describe("PolicyEngine.heartbeat, the hot path", () => {
  /** A small deterministic generator, so a failure can be replayed. */
  function random(seed: number): () => number {
    let x = seed >>> 0 || 1;
    return () => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x / 2 ** 32;
    };
  }

  const otherEvents = (now: number, pick: number): PolicyEvent => {
    const choices: PolicyEvent[] = [
      { type: "begin", now },
      { type: "spawned", now },
      { type: "message", now, message: "start" },
      { type: "message", now, message: "stop" },
      { type: "message", now, message: "data-store" },
      { type: "timer", now },
      { type: "quorum", now, quorate: pick > 0.5 },
      { type: "exit", now, code: 1, signal: null },
      { type: "stop-request", now },
    ];
    return choices[Math.floor(pick * choices.length)] as PolicyEvent;
  };

  for (const [label, cfg] of [["restart", config], ["quorum", quorumConfig], ["interval 0", { ...config, interval: 0 }]] as const) {
    it(`leaves the same state as a heartbeat or data store message through policyStep (${label}, 200 random runs)`, () => {
      for (let seed = 1; seed <= 200; seed++) {
        const next = random(seed);
        const engine = new PolicyEngine(cfg);
        const driver = new Driver(cfg);
        let now = 0;
        for (let step = 0; step < 60; step++) {
          now += Math.floor(next() * 700);
          if (next() < 0.5) {
            // backend-fork takes a data store on the heartbeat's path too: the same step.
            engine.heartbeat(now);
            expect(driver.step({ type: "message", now, message: next() < 0.5 ? "heartbeat" : "data-store" })).toEqual([]);
          } else {
            const event = otherEvents(now, next());
            expect(engine.handle(event)).toEqual(driver.step(event));
          }
          expect(engine.state).toEqual(driver.state);
          expect(engine.nextDeadline).toBe(nextDeadline(driver.state));
        }
      }
    });
  }

  it("moves only the current state: a state taken before a later step keeps its own deadline", () => {
    const engine = new PolicyEngine(config);
    engine.handle({ type: "begin", now: 0 });
    engine.handle({ type: "spawned", now: 0 });
    engine.handle({ type: "message", now: 10, message: "start" });
    engine.heartbeat(500);
    expect(engine.nextDeadline).toBe(1500);
    const before = engine.state;
    engine.handle({ type: "message", now: 600, message: "stop" });
    engine.heartbeat(700);
    expect(before.deadline).toBe(1500);
    expect(engine.state.deadline).toBeNull();
  });
});

describe("testsam-like scenarios on a fake clock", () => {
  it("hc: heartbeats every interval/4 via a callback, then the callback fails: warn after 1 interval, kill after 2", () => {
    const driver = started(config, 0);
    let now = 0;
    for (; now <= 5000; now += 250) {
      expect(driver.advanceTo(now)).toEqual([]);
      driver.heartbeat(now);
    }
    const lastHeartbeat = now - 250;
    const actions: { now: number; action: PolicyAction }[] = [];
    for (let t = lastHeartbeat; t <= lastHeartbeat + 5000; t += 10) {
      for (const action of driver.advanceTo(t)) actions.push({ now: t, action });
    }
    expect(actions).toEqual([
      { now: lastHeartbeat + 1000, action: warn("SIGTERM", "timeout") },
      { now: lastHeartbeat + 2000, action: kill("timeout") },
    ]);
  });

  it("warn_signal: SIGUSR1, the handler stores data (a message), SIGKILL one interval after it", () => {
    const driver = started(config, 0);
    driver.message(0, "warn-signal-set", "SIGUSR1");
    expect(driver.advanceTo(1000)).toEqual([warn("SIGUSR1", "timeout")]);
    driver.message(1010, "data-store"); // from the signal handler
    expect(driver.advanceTo(2009)).toEqual([]);
    expect(driver.advanceTo(2010)).toEqual([kill("timeout")]);
  });
});
