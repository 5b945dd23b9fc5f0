/**
 * Event-driven health checking on the instance's own event loop, as libsam's hc thread does it:
 * a heartbeat every interval/4 and the callback after every fourth heartbeat. Running on the main
 * loop (not a thread) is the point: a blocked event loop sends nothing and is detected.
 */

/** What the callback of hcCallbackRegister returns: `true` means healthy. */
export type HealthCheckCallback = () => boolean | Promise<boolean>;

export interface IntervalTimers {
  setInterval(callback: () => void, milliseconds: number): unknown;
  clearInterval(handle: unknown): void;
}

const nodeTimers: IntervalTimers = {
  setInterval: (callback, milliseconds) => {
    const handle = setInterval(callback, milliseconds);
    // libsam's thread does not keep the process alive; neither does this timer.
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export type HealthCheckStatus = "stopped" | "running" | "failed";

export class HealthCheckLoop {
  #status: HealthCheckStatus = "stopped";
  #callback: HealthCheckCallback | null = null;
  #timer: unknown = null;
  #ticks = 0;
  #awaiting = false;
  readonly period: number;

  /**
   * @param heartbeat sends one heartbeat (sam_hc_send)
   * @param interval the supervisor's interval in milliseconds (> 0)
   * @param onFailure told once, with the reason, when the callback reports a failure
   */
  constructor(
    private readonly heartbeat: () => void,
    interval: number,
    private readonly onFailure: (reason: string) => void = () => {},
    private readonly timers: IntervalTimers = nodeTimers,
  ) {
    // libsam: time_interval >> 2; a period of 0 would spin, so it is at least 1 ms.
    this.period = Math.max(1, interval >> 2);
  }

  get status(): HealthCheckStatus {
    return this.#status;
  }

  get callback(): HealthCheckCallback | null {
    return this.#callback;
  }

  setCallback(callback: HealthCheckCallback | null): void {
    this.#callback = callback;
  }

  /** sam_start wakes the loop only while a callback is set (as libsam writes START to the thread). */
  start(): void {
    if (this.#status !== "stopped" || this.#callback === null) return;
    this.#status = "running";
    this.#ticks = 0;
    this.#timer = this.timers.setInterval(() => this.#tick(), this.period);
  }

  stop(): void {
    if (this.#status !== "running") return;
    this.#status = "stopped";
    this.#clear();
  }

  #clear(): void {
    if (this.#timer !== null) this.timers.clearInterval(this.#timer);
    this.#timer = null;
  }

  #fail(reason: string): void {
    // As in libsam, a failed check is a sink: no heartbeat is ever sent again by this loop.
    this.#status = "failed";
    this.#clear();
    this.onFailure(reason);
  }

  #tick(): void {
    // While an async callback is pending no heartbeat goes out, so a callback that never settles is a hang.
    if (this.#status !== "running" || this.#awaiting) return;
    this.heartbeat();
    this.#ticks++;
    if (this.#ticks < 4) return;
    this.#ticks = 0;
    const callback = this.#callback;
    if (callback === null) return;
    let result: boolean | Promise<boolean>;
    try {
      result = callback();
    } catch (error) {
      this.#fail(`the health-check callback threw: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (result instanceof Promise || (typeof result === "object" && result !== null && typeof (result as Promise<boolean>).then === "function")) {
      this.#awaiting = true;
      // Promise.resolve() adopts any thenable, and turns a then() that throws into a rejection.
      Promise.resolve(result).then(
        (value) => {
          this.#awaiting = false;
          this.#judge(value);
        },
        (error: unknown) => {
          this.#awaiting = false;
          if (this.#status === "running") {
            this.#fail(`the health-check callback rejected: ${error instanceof Error ? error.message : String(error)}`);
          }
        },
      );
      return;
    }
    this.#judge(result);
  }

  #judge(value: unknown): void {
    if (this.#status !== "running" || value === true) return;
    this.#fail(
      value === false
        ? "the health-check callback returned false"
        : `the health-check callback must return true (healthy) or false; it returned ${typeof value}, counted as a failure`,
    );
  }
}
