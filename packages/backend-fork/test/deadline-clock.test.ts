// The supervisor's deadline clock on a fake event loop (fake time, fake timers): it fires at the
// deadline and not before, a re-armed deadline moves it, and a late timer (a stalled supervisor)
// leaves the loop one turn to read the heartbeats waiting for it before the deadline is judged.
import { describe, expect, it } from "vitest";
import { DeadlineClock, spinMarginFor, type ClockTimers } from "../src/deadline-clock.js";

interface FakeTimer {
  at: number;
  live: boolean;
  refresh(): FakeTimer;
  callback(): void;
}

/**
 * An event loop whose clock moves only when told. A turn is Node's: the due timers, then the I/O
 * (what the test gives as `io`), then the immediates.
 */
class FakeLoop {
  time = 0;
  readonly #timers: FakeTimer[] = [];
  #immediates: (() => void)[] = [];
  readonly timers: ClockTimers = {
    setTimeout: (callback, milliseconds) => {
      const timer: FakeTimer = { at: this.time + milliseconds, live: true, callback, refresh: () => Object.assign(timer, { at: this.time + milliseconds, live: true }) };
      this.#timers.push(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      (handle as FakeTimer).live = false;
    },
    setImmediate: (callback) => this.#immediates.push(callback),
  };
  readonly now = () => this.time;

  /** One turn of the loop at the current time; each turn also takes a quarter of a millisecond. */
  turn(io: () => void = () => {}): void {
    for (const timer of this.#timers) {
      if (timer.live && timer.at <= this.time) {
        timer.live = false;
        timer.callback();
      }
    }
    io();
    const immediates = this.#immediates;
    this.#immediates = [];
    for (const callback of immediates) callback();
    this.time += 0.25;
  }

  /** Turns until `until` (bounded), with `io` as each turn's I/O. */
  runUntil(until: number, io: () => void = () => {}): void {
    for (let turns = 0; this.time < until && turns < 100_000; turns++) this.turn(io);
  }
}

describe("DeadlineClock", () => {
  it("fires at the deadline, not before: its timer comes a margin early and the rest is spun out", () => {
    const loop = new FakeLoop();
    const due: number[] = [];
    const clock = new DeadlineClock(100, (at) => due.push(at), loop.now, loop.timers);
    clock.set(100, null, 0);
    loop.runUntil(99.9);
    expect(due).toEqual([]);
    loop.runUntil(101);
    expect(due).toHaveLength(1);
    expect(due[0]).toBeGreaterThanOrEqual(100);
    expect(due[0]).toBeLessThan(100.6);
    expect(spinMarginFor(100)).toBe(2);
  });

  it("a deadline re-armed before it comes moves the timer; none fires", () => {
    const loop = new FakeLoop();
    const due: number[] = [];
    const clock = new DeadlineClock(100, (at) => due.push(at), loop.now, loop.timers);
    let nextBeat = 0;
    loop.runUntil(1000, () => {
      if (loop.time < nextBeat) return;
      clock.set(loop.time + 100, null, loop.time);
      nextBeat = loop.time + 25;
    });
    expect(due).toEqual([]);
  });

  it("a late timer waits one turn: heartbeats read in that turn re-arm the deadline, and nothing is judged", () => {
    const loop = new FakeLoop();
    const due: number[] = [];
    const clock = new DeadlineClock(100, (at) => due.push(at), loop.now, loop.timers);
    clock.set(100, null, 0);
    // Stopped for 500 ms: the timer runs late, when the deadline has long passed.
    loop.time = 600;
    // That turn's I/O reads the heartbeats the instance sent meanwhile, after the timers ran.
    loop.turn(() => clock.set(loop.time + 100, null, loop.time));
    loop.runUntil(700);
    expect(due).toEqual([]);
    // Nothing more arrives: the new deadline is judged when it comes.
    loop.runUntil(702);
    expect(due).toHaveLength(1);
    expect(due[0]).toBeGreaterThanOrEqual(700);
  });

  it("a real hang during a stall is judged on the first turn after it", () => {
    const loop = new FakeLoop();
    const due: number[] = [];
    const clock = new DeadlineClock(100, (at) => due.push(at), loop.now, loop.timers);
    clock.set(100, null, 0);
    loop.time = 600;
    loop.turn();
    expect(due).toEqual([600]);
  });

  it("a fixed SIGKILL time fires at its time, and clear() stops everything", () => {
    const loop = new FakeLoop();
    const due: number[] = [];
    const clock = new DeadlineClock(100, (at) => due.push(at), loop.now, loop.timers);
    clock.set(null, 30, 0);
    loop.runUntil(31);
    expect(due).toHaveLength(1);
    expect(due[0]).toBeGreaterThanOrEqual(30);
    clock.set(loop.time + 100, loop.time + 50, loop.time);
    clock.clear();
    loop.runUntil(1000);
    expect(due).toHaveLength(1);
  });
});
