// Beyond SAM: the restart limit, the exponential back-off and the "failed for good" exit code,
// driven by a fake clock.
import { describe, expect, it } from "vitest";
import {
  backoffDelay,
  policyStep,
  initialPolicyState,
  resolveOptions,
  restartLimitExitCode,
  type PolicyAction,
  type PolicyConfig,
  type PolicyState,
} from "../src/index.js";

const base: PolicyConfig = { interval: 1000, recovery: "restart", quorum: false, warnSignal: "SIGTERM" };

/** Runs instances that start and crash at the given times; returns every action. */
function crashAt(config: PolicyConfig, lives: { spawnedAt: number; diesAt: number; code?: number }[]) {
  let state: PolicyState = initialPolicyState(config);
  const actions: PolicyAction[] = [];
  const step = (event: Parameters<typeof policyStep>[2]) => {
    const result = policyStep(config, state, event);
    state = result.state;
    actions.push(...result.actions);
    return result.actions;
  };
  step({ type: "begin", now: 0 });
  for (const life of lives) {
    if (state.phase !== "spawning") break;
    step({ type: "spawned", now: life.spawnedAt });
    step({ type: "message", now: life.spawnedAt, message: "start" });
    step({ type: "exit", now: life.diesAt, code: life.code ?? 1, signal: null });
  }
  return { actions, state, spawns: actions.filter((action) => action.type === "spawn"), quit: actions.find((action) => action.type === "quit") };
}

describe("backoffDelay", () => {
  const backoff = { initialDelay: 100, factor: 2, maxDelay: 1000, resetAfter: 5000 };
  it.each([
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1000],
    [10, 1000],
  ])("restart %i after a reset waits %i ms", (consecutive, delay) => {
    expect(backoffDelay(backoff, consecutive)).toBe(delay);
  });
  it("no back-off: no delay", () => expect(backoffDelay(undefined, 5)).toBe(0));
  it("factor 1.5 rounds to whole milliseconds", () => expect(backoffDelay({ ...backoff, factor: 1.5 }, 3)).toBe(338));
});

describe("the restart limit", () => {
  const config: PolicyConfig = { ...base, restartLimit: { count: 3, window: 1000 } };

  it("allows `count` restarts in the window, and gives up on the next with exit code 124", () => {
    const { spawns, quit, actions } = crashAt(config, [0, 10, 20, 30, 40].map((time) => ({ spawnedAt: time, diesAt: time + 5 })));
    expect(spawns.map((spawn) => spawn.type === "spawn" && spawn.instanceId)).toEqual([1, 2, 3, 4]);
    expect(quit).toEqual({ type: "quit", exitCode: restartLimitExitCode, failed: true });
    expect(actions).toContainEqual(expect.objectContaining({ type: "give-up", reason: "restart-limit", message: expect.stringContaining("3 restarts within 1000 ms") }));
    expect(actions.at(-2)).toEqual({ type: "publish", state: "failed" });
  });

  it("restarts older than the window no longer count", () => {
    const lives = [0, 400, 800, 1300, 1800, 2300, 2800].map((time) => ({ spawnedAt: time, diesAt: time + 100 }));
    const { spawns, quit } = crashAt(config, lives);
    expect(quit).toBeUndefined();
    expect(spawns).toHaveLength(lives.length + 1);
  });

  it("count 0: the first crash while started ends it", () => {
    const { quit, spawns } = crashAt({ ...base, restartLimit: { count: 0, window: 1000 } }, [{ spawnedAt: 0, diesAt: 5 }]);
    expect(spawns).toHaveLength(1);
    expect(quit).toEqual({ type: "quit", exitCode: 124, failed: true });
  });

  it("an exit while stopped still quits with its own code, not 124", () => {
    let state = initialPolicyState(config);
    for (const event of [{ type: "begin", now: 0 }, { type: "spawned", now: 0 }, { type: "exit", now: 1, code: 3, signal: null }] as const) {
      const result = policyStep(config, state, event);
      state = result.state;
      if (event.type === "exit") expect(result.actions).toEqual([{ type: "quit", exitCode: 3, failed: false }]);
    }
  });
});

describe("the back-off", () => {
  const config: PolicyConfig = { ...base, backoff: { initialDelay: 100, factor: 2, maxDelay: 500, resetAfter: 2000 } };

  it("delays grow by the factor up to the cap", () => {
    let time = 0;
    const lives = Array.from({ length: 6 }, () => {
      const life = { spawnedAt: time, diesAt: time + 10 };
      time += 1000;
      return life;
    });
    const { spawns } = crashAt(config, lives);
    expect(spawns.map((spawn) => spawn.type === "spawn" && spawn.delay)).toEqual([0, 100, 200, 400, 500, 500, 500]);
  });

  it("a healthy period (resetAfter) starts the delays over", () => {
    const { spawns } = crashAt(config, [
      { spawnedAt: 0, diesAt: 10 },
      { spawnedAt: 110, diesAt: 120 },
      { spawnedAt: 320, diesAt: 2320 },
      { spawnedAt: 2420, diesAt: 2430 },
    ]);
    expect(spawns.map((spawn) => spawn.type === "spawn" && spawn.delay)).toEqual([0, 100, 200, 100, 200]);
  });
});

describe("the no-restart exit code", () => {
  const config: PolicyConfig = { ...base, noRestartExitCode: 125, restartLimit: { count: 10, window: 1000 } };
  it("an instance exiting with it while started is not restarted; the supervisor quits with it", () => {
    const { quit, spawns, actions } = crashAt(config, [{ spawnedAt: 0, diesAt: 10, code: 125 }]);
    expect(spawns).toHaveLength(1);
    expect(quit).toEqual({ type: "quit", exitCode: 125, failed: true });
    expect(actions).toContainEqual(expect.objectContaining({ type: "give-up", reason: "no-restart-exit-code" }));
  });
  it("other codes restart as usual", () => {
    expect(crashAt(config, [{ spawnedAt: 0, diesAt: 10, code: 1 }]).spawns).toHaveLength(2);
  });
});

describe("the options", () => {
  const valid = { interval: 100, recovery: "restart" as const };
  it("resolve with defaults", () => {
    expect(resolveOptions({ ...valid, restartLimit: { count: 5, window: 10_000 }, backoff: { initialDelay: 100, maxDelay: 1000 }, noRestartExitCode: 125 })).toMatchObject({
      restartLimit: { count: 5, window: 10_000 },
      backoff: { initialDelay: 100, maxDelay: 1000, factor: 2, resetAfter: 10_000 },
      noRestartExitCode: 125,
    });
  });
  it.each([
    [{ restartLimit: { count: -1, window: 10 } }, /restartLimit.count/],
    [{ restartLimit: { count: 1, window: 0 } }, /restartLimit.window/],
    [{ restartLimit: { count: 1, window: 10, burst: 2 } }, /restartLimit has no option "burst"/],
    [{ restartLimit: 5 }, /restartLimit must be/],
    [{ backoff: { initialDelay: 100, maxDelay: 50 } }, /must not be below/],
    [{ backoff: { initialDelay: 100, maxDelay: 500, factor: 0.5 } }, /factor/],
    [{ backoff: { initialDelay: -1, maxDelay: 500 } }, /initialDelay/],
    [{ backoff: { initialDelay: 1, maxDelay: 500, jitter: 1 } }, /no option "jitter"/],
    [{ noRestartExitCode: 0 }, /noRestartExitCode/],
    [{ noRestartExitCode: 256 }, /noRestartExitCode/],
  ])("%j is refused with CS_ERR_INVALID_PARAM", (extra, message) => {
    expect(() => resolveOptions({ ...valid, ...extra })).toThrowError(expect.objectContaining({ code: "CS_ERR_INVALID_PARAM", message: expect.stringMatching(message) }));
  });
});
