import { afterEach, describe, expect, it, vi } from "vitest";
import { HealthCheckLoop } from "../src/index.js";
import type { HealthCheckCallback, IntervalTimers } from "../src/index.js";

/** IntervalTimers under the test's control: `fire()` runs every live interval once. */
class ManualTimers implements IntervalTimers {
  readonly live = new Map<object, { callback: () => void; milliseconds: number }>();
  readonly periods: number[] = [];
  readonly cleared: unknown[] = [];

  setInterval(callback: () => void, milliseconds: number): unknown {
    const handle = { id: this.periods.length };
    this.periods.push(milliseconds);
    this.live.set(handle, { callback, milliseconds });
    return handle;
  }

  clearInterval(handle: unknown): void {
    this.cleared.push(handle);
    this.live.delete(handle as object);
  }

  fire(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const [handle, timer] of [...this.live]) if (this.live.has(handle)) timer.callback();
    }
  }

  /** The tick function of the most recent interval, kept even after it is cleared. */
  get lastCallback(): () => void {
    const last = [...this.live.values()].at(-1);
    if (!last) throw new Error("no live interval");
    return last.callback;
  }
}

/** Lets promise reactions run. */
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function setup(callback: HealthCheckCallback | null = () => true, interval = 1000) {
  const timers = new ManualTimers();
  const log: string[] = [];
  const failures: string[] = [];
  const loop = new HealthCheckLoop(
    () => log.push("heartbeat"),
    interval,
    (reason) => failures.push(reason),
    timers,
  );
  if (callback) {
    loop.setCallback(() => {
      log.push("callback");
      return callback();
    });
  }
  const heartbeats = () => log.filter((entry) => entry === "heartbeat").length;
  const callbacks = () => log.filter((entry) => entry === "callback").length;
  return { timers, log, failures, loop, heartbeats, callbacks };
}

describe("HealthCheckLoop period", () => {
  it.each([
    [0, 1],
    [1, 1],
    [3, 1],
    [4, 1],
    [7, 1],
    [8, 2],
    [100, 25],
    [101, 25],
    [1000, 250],
    [1003, 250],
    [2_147_483_647, 536_870_911],
  ])("interval %i -> a heartbeat every %i ms (floor(interval / 4), at least 1)", (interval, period) => {
    const { loop, timers } = setup(() => true, interval);
    expect(loop.period).toBe(period);
    loop.start();
    expect(timers.periods).toEqual([period]);
  });
});

describe("HealthCheckLoop", () => {
  it("starts stopped, with no callback", () => {
    const loop = new HealthCheckLoop(() => {}, 1000, undefined, new ManualTimers());
    expect(loop.status).toBe("stopped");
    expect(loop.callback).toBeNull();
  });

  it("start() without a callback does nothing (libsam writes START only with a callback)", () => {
    const { loop, timers, log } = setup(null);
    loop.start();
    expect(loop.status).toBe("stopped");
    expect(timers.periods).toEqual([]);
    timers.fire(10);
    expect(log).toEqual([]);
  });

  it("setCallback stores the callback", () => {
    const { loop } = setup(null);
    const callback = () => true;
    loop.setCallback(callback);
    expect(loop.callback).toBe(callback);
    loop.setCallback(null);
    expect(loop.callback).toBeNull();
  });

  it("sends a heartbeat every tick and calls the callback after every fourth heartbeat", () => {
    const { loop, timers, log, failures } = setup();
    loop.start();
    expect(loop.status).toBe("running");
    timers.fire(12);
    const round = ["heartbeat", "heartbeat", "heartbeat", "heartbeat", "callback"];
    expect(log).toEqual([...round, ...round, ...round]);
    expect(failures).toEqual([]);
    expect(loop.status).toBe("running");
  });

  it("start() twice arms one interval only", () => {
    const { loop, timers, heartbeats } = setup();
    loop.start();
    loop.start();
    expect(timers.periods).toHaveLength(1);
    timers.fire(1);
    expect(heartbeats()).toBe(1);
  });

  it("stop() clears the interval; a late tick sends nothing; stop() again is a no-op", () => {
    const { loop, timers, heartbeats } = setup();
    loop.start();
    const tick = timers.lastCallback;
    const [handle] = timers.live.keys();
    loop.stop();
    expect(loop.status).toBe("stopped");
    expect(timers.cleared).toEqual([handle]);
    tick();
    expect(heartbeats()).toBe(0);
    loop.stop();
    expect(timers.cleared).toHaveLength(1);
  });

  it("start() after stop() counts the four heartbeats afresh", () => {
    const { loop, timers, heartbeats, callbacks } = setup();
    loop.start();
    timers.fire(3);
    loop.stop();
    loop.start();
    expect(timers.periods).toHaveLength(2);
    timers.fire(3);
    expect(heartbeats()).toBe(6);
    expect(callbacks()).toBe(0);
    timers.fire(1);
    expect(callbacks()).toBe(1);
  });

  it("a callback removed while running: heartbeats go on, no callback", () => {
    const { loop, timers, heartbeats, failures } = setup();
    loop.start();
    loop.setCallback(null);
    timers.fire(8);
    expect(heartbeats()).toBe(8);
    expect(failures).toEqual([]);
    expect(loop.status).toBe("running");
  });

  it("a callback replaced while running is the one called next", () => {
    const { loop, timers } = setup();
    const second = vi.fn(() => true);
    loop.start();
    timers.fire(2);
    loop.setCallback(second);
    timers.fire(2);
    expect(second).toHaveBeenCalledTimes(1);
  });

  describe("failures are a sink", () => {
    const cases: { what: string; callback: HealthCheckCallback; reason: RegExp }[] = [
      { what: "returns false", callback: () => false, reason: /returned false/ },
      {
        what: "throws an Error",
        callback: () => {
          throw new Error("disk gone");
        },
        reason: /threw: disk gone/,
      },
      {
        what: "throws a string",
        callback: () => {
          throw "plain string";
        },
        reason: /threw: plain string/,
      },
      { what: "returns 1", callback: (() => 1) as unknown as HealthCheckCallback, reason: /returned number/ },
      { what: "returns 0", callback: (() => 0) as unknown as HealthCheckCallback, reason: /returned number/ },
      { what: "returns 'true'", callback: (() => "true") as unknown as HealthCheckCallback, reason: /returned string/ },
      { what: "returns undefined", callback: (() => undefined) as unknown as HealthCheckCallback, reason: /returned undefined/ },
      { what: "returns null", callback: (() => null) as unknown as HealthCheckCallback, reason: /returned object/ },
      { what: "returns an object", callback: (() => ({ ok: true })) as unknown as HealthCheckCallback, reason: /returned object/ },
    ];

    it.each(cases)("a callback that $what fails the loop once and stops heartbeats for good", async ({ callback, reason }) => {
      const { loop, timers, failures, heartbeats } = setup(callback);
      loop.start();
      const tick = timers.lastCallback;
      timers.fire(4);
      await flush();
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(reason);
      expect(loop.status).toBe("failed");
      expect(timers.live.size).toBe(0);
      expect(timers.cleared).toHaveLength(1);
      // Even a stale tick (a timer that fires after being cleared) sends nothing.
      tick();
      timers.fire(20);
      expect(heartbeats()).toBe(4);
      expect(failures).toHaveLength(1);
    });

    it.each<{ what: string; settle: () => Promise<boolean>; reason: RegExp }>([
      { what: "resolves false", settle: async () => false, reason: /returned false/ },
      { what: "rejects with an Error", settle: async () => Promise.reject(new Error("db down")), reason: /rejected: db down/ },
      { what: "rejects with a string", settle: async () => Promise.reject("nope"), reason: /rejected: nope/ },
      { what: "resolves 1", settle: (async () => 1) as unknown as () => Promise<boolean>, reason: /returned number/ },
      { what: "resolves undefined", settle: (async () => undefined) as unknown as () => Promise<boolean>, reason: /returned undefined/ },
    ])("an async callback that $what fails the loop once", async ({ settle, reason }) => {
      const { loop, timers, failures, heartbeats } = setup(settle);
      loop.start();
      timers.fire(4);
      await flush();
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(reason);
      expect(loop.status).toBe("failed");
      timers.fire(20);
      expect(heartbeats()).toBe(4);
    });

    it("a thenable that is not a Promise is awaited too", async () => {
      const thenable = { then: (resolve: (value: boolean) => void) => resolve(false) };
      const { loop, timers, failures } = setup(() => thenable as unknown as Promise<boolean>);
      loop.start();
      timers.fire(4);
      await flush();
      expect(failures).toEqual(["the health-check callback returned false"]);
    });

    it("a thenable whose then() throws fails the loop like a callback that throws", async () => {
      const broken = {
        then() {
          throw new Error("broken thenable");
        },
      };
      const { loop, timers, failures } = setup(() => broken as unknown as Promise<boolean>);
      loop.start();
      expect(() => timers.fire(4)).not.toThrow();
      await flush();
      expect(failures).toHaveLength(1);
      expect(loop.status).toBe("failed");
    });

    it("start() after a failure does nothing; stop() leaves 'failed'", () => {
      const { loop, timers, heartbeats } = setup(() => false);
      loop.start();
      timers.fire(4);
      expect(loop.status).toBe("failed");
      loop.start();
      expect(loop.status).toBe("failed");
      expect(timers.periods).toHaveLength(1);
      loop.stop();
      expect(loop.status).toBe("failed");
      timers.fire(8);
      expect(heartbeats()).toBe(4);
    });

    it("a failure with the default onFailure does not throw", () => {
      const timers = new ManualTimers();
      const loop = new HealthCheckLoop(() => {}, 100, undefined, timers);
      loop.setCallback(() => false);
      loop.start();
      expect(() => timers.fire(4)).not.toThrow();
      expect(loop.status).toBe("failed");
    });
  });

  describe("async callbacks", () => {
    it("a callback that resolves true keeps the heartbeats going", async () => {
      const { loop, timers, heartbeats, callbacks, failures } = setup(async () => true);
      loop.start();
      for (let i = 0; i < 12; i++) {
        timers.fire(1);
        await flush();
      }
      expect(heartbeats()).toBe(12);
      expect(callbacks()).toBe(3);
      expect(failures).toEqual([]);
    });

    it("a pending callback suppresses heartbeats until it settles, then counting starts again", async () => {
      const pending = deferred<boolean>();
      let calls = 0;
      const { loop, timers, heartbeats, failures } = setup(() => (++calls === 1 ? pending.promise : true));
      loop.start();
      timers.fire(4);
      expect(heartbeats()).toBe(4);
      timers.fire(10);
      await flush();
      expect(heartbeats()).toBe(4);
      pending.resolve(true);
      await flush();
      timers.fire(3);
      expect(heartbeats()).toBe(7);
      expect(calls).toBe(1);
      timers.fire(1);
      expect(calls).toBe(2);
      expect(failures).toEqual([]);
      expect(loop.status).toBe("running");
    });

    it("a callback that never settles stops the heartbeats for good (a hang is detected)", async () => {
      const { loop, timers, heartbeats, failures } = setup(() => new Promise<boolean>(() => {}));
      loop.start();
      timers.fire(4);
      for (let i = 0; i < 10; i++) {
        timers.fire(10);
        await flush();
      }
      expect(heartbeats()).toBe(4);
      expect(failures).toEqual([]);
      expect(loop.status).toBe("running");
    });

    it.each<["resolves false" | "rejects"]>([["resolves false"], ["rejects"]])(
      "a callback that %s after stop() is not reported",
      async (outcome) => {
        const pending = deferred<boolean>();
        const { loop, timers, failures } = setup(() => pending.promise);
        loop.start();
        timers.fire(4);
        loop.stop();
        if (outcome === "rejects") pending.reject(new Error("late"));
        else pending.resolve(false);
        await flush();
        expect(failures).toEqual([]);
        expect(loop.status).toBe("stopped");
      },
    );
  });
});

describe("HealthCheckLoop with Node's timers", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("uses setInterval with the period and does not keep the process alive", () => {
    const setIntervalSpy = vi.spyOn(globalThis, "setInterval");
    const clearIntervalSpy = vi.spyOn(globalThis, "clearInterval");
    const loop = new HealthCheckLoop(() => {}, 1000);
    loop.setCallback(() => true);
    loop.start();
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    expect(setIntervalSpy.mock.calls[0]?.[1]).toBe(250);
    const handle = setIntervalSpy.mock.results[0]?.value as NodeJS.Timeout;
    expect(handle.hasRef()).toBe(false);
    loop.stop();
    expect(clearIntervalSpy).toHaveBeenCalledWith(handle);
  });

  it("on vitest's fake clock: a heartbeat every 25 ms and a callback every 100 ms for interval 100", () => {
    vi.useFakeTimers();
    const heartbeat = vi.fn();
    const callback = vi.fn(() => true);
    const loop = new HealthCheckLoop(heartbeat, 100);
    loop.setCallback(callback);
    loop.start();
    vi.advanceTimersByTime(24);
    expect(heartbeat).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(heartbeat).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(75);
    expect(heartbeat).toHaveBeenCalledTimes(4);
    expect(callback).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(400);
    expect(heartbeat).toHaveBeenCalledTimes(20);
    expect(callback).toHaveBeenCalledTimes(5);
    loop.stop();
    vi.advanceTimersByTime(1000);
    expect(heartbeat).toHaveBeenCalledTimes(20);
  });

  it("on vitest's fake clock: a failing callback means no heartbeat after it", () => {
    vi.useFakeTimers();
    const heartbeat = vi.fn();
    const onFailure = vi.fn();
    const loop = new HealthCheckLoop(heartbeat, 100, onFailure);
    loop.setCallback(() => false);
    loop.start();
    vi.advanceTimersByTime(1000);
    expect(heartbeat).toHaveBeenCalledTimes(4);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(onFailure).toHaveBeenCalledWith("the health-check callback returned false");
    expect(vi.getTimerCount()).toBe(0);
  });
});
