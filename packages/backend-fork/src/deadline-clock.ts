/**
 * The supervisor's clock: it fires when the policy engine's next deadline comes, precisely and
 * without allocating on the heartbeat path. A deadline one period from now (where every message
 * moves the instance's deadline) is served by one timer of that length, refreshed in place; any
 * other time (a fixed SIGKILL time, the rest of a deadline whose timer fired early) by a second one.
 */
import { performance } from "node:perf_hooks";

/**
 * Milliseconds before a deadline its timer fires; the rest is waited out precisely (see spin).
 * Long timers fire later, so the margin grows with the period: 2 ms up to 400 ms, 0.5 % of the
 * period above, at most 10 ms.
 */
export function spinMarginFor(period: number): number {
  return Math.min(10, Math.max(2, period * 0.005));
}

/** The timers the clock uses: Node's, or a test's fake ones. */
export interface ClockTimers {
  setTimeout(callback: () => void, milliseconds: number): { refresh(): unknown };
  clearTimeout(handle: unknown): void;
  setImmediate(callback: () => void): unknown;
}

const nodeTimers: ClockTimers = {
  setTimeout: (callback, milliseconds) => setTimeout(callback, milliseconds),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setImmediate: (callback) => setImmediate(callback),
};

export class DeadlineClock {
  /** spinMarginFor(period), fixed for this clock. */
  readonly margin: number;
  #periodTimer: { refresh(): unknown } | undefined;
  /** The deadline the period timer is armed for; null once it fired or when it serves none. */
  #periodFor: number | null = null;
  #otherTimer: unknown;
  #otherAt: number | null = null;
  /** The latest deadline given (it moves with every message). */
  #deadline: number | null = null;

  /**
   * @param period milliseconds from a message to the deadline it sets (the interval)
   * @param onDue called with the time when a deadline or a fixed time has come (it may be early
   * for a fixed time that no longer stands: the caller asks the engine, which checks `now`)
   */
  constructor(
    readonly period: number,
    private readonly onDue: (now: number) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly timers: ClockTimers = nodeTimers,
  ) {
    this.margin = spinMarginFor(period);
  }

  /** What the engine wants next: its deadline (moved by messages) and its fixed SIGKILL time. */
  set(deadline: number | null, killAt: number | null, now: number): void {
    this.#deadline = deadline;
    let uncovered: number | null = null;
    if (deadline !== null && deadline !== this.#periodFor) {
      if (deadline === now + this.period) {
        if (this.#periodTimer === undefined) this.#periodTimer = this.timers.setTimeout(this.#onPeriodTimer, Math.max(1, Math.floor(this.period - this.margin)));
        else this.#periodTimer.refresh();
        this.#periodFor = deadline;
      } else {
        uncovered = deadline;
      }
    }
    const other = killAt === null ? uncovered : uncovered === null ? killAt : Math.min(killAt, uncovered);
    if (other === this.#otherAt) return;
    if (this.#otherTimer !== undefined) this.timers.clearTimeout(this.#otherTimer);
    this.#otherTimer = undefined;
    this.#otherAt = other;
    if (other !== null) this.#otherTimer = this.timers.setTimeout(this.#onOtherTimer, Math.max(0, Math.ceil(other - this.now())));
  }

  clear(): void {
    if (this.#periodTimer !== undefined) this.timers.clearTimeout(this.#periodTimer);
    if (this.#otherTimer !== undefined) this.timers.clearTimeout(this.#otherTimer);
    this.#periodTimer = this.#otherTimer = undefined;
    this.#periodFor = this.#otherAt = null;
  }

  // Timers run before the event loop reads its sockets: a supervisor that was stopped or starved
  // past a deadline would judge it before reading the heartbeats waiting in the channel. So a
  // due time is acted on one turn later (setImmediate), after the loop has read what arrived.
  readonly #onPeriodTimer = (): void => {
    this.#periodFor = null;
    this.timers.setImmediate(this.#spin);
  };

  /**
   * Node's timers count whole milliseconds of a loop time that lags the clock, so they fire up to
   * a millisecond or two off. The period timer is armed a little early and the rest is waited out
   * here by turning the event loop (which still reads the channel) until the deadline: CPU spent
   * only when an instance is actually late.
   */
  readonly #spin = (): void => {
    // A message re-armed the timer meanwhile: the instance is not late.
    if (this.#periodFor !== null) return;
    const deadline = this.#deadline;
    const now = this.now();
    if (deadline !== null && now < deadline && deadline - now <= this.margin + 1) {
      this.timers.setImmediate(this.#spin);
      return;
    }
    this.onDue(now);
  };

  readonly #onOtherTimer = (): void => {
    this.#otherTimer = undefined;
    this.#otherAt = null;
    this.timers.setImmediate(this.#otherDue);
  };

  readonly #otherDue = (): void => this.onDue(this.now());
}
