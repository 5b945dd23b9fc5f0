/**
 * The warm standby: one spare instance started ahead and parked inside register(), promoted when
 * the active instance is restarted, so a restart costs a welcome instead of a Node start.
 */
import { killGroup, type Instance, type InstanceLauncher } from "./instance-process.js";

/**
 * Milliseconds after an instance's welcome before its spare starts: a Node start takes a core for
 * a while, and the instance just promoted (or started) needs it more right then.
 */
const spareDelay = 200;

/**
 * Starting a spare holds the supervisor's event loop for the whole spawn (Node waits for the new
 * process's exec), so it is not done this close before a deadline or a SIGKILL, which it would
 * make late; with short intervals, half the interval (an instance that sends heartbeats more often
 * than that always leaves a moment clear).
 */
const spareClearance = 50;

export interface StandbyHost {
  launcher: InstanceLauncher;
  /** Whether a spare is wanted now (an instance runs, and the supervisor is not stopping). */
  wanted(): boolean;
  /** The engine's next deadline or SIGKILL time (performance clock), or null. */
  nextDeadline(): number | null;
  /** Reports the new spare's PID. */
  started(pid: number): void;
}

export class WarmStandby {
  #spare: Instance | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #clearance: number;

  constructor(
    private readonly host: StandbyHost,
    interval: number,
  ) {
    this.#clearance = Math.min(spareClearance, interval / 2);
  }

  /** After a welcome: start the next spare a little later. */
  schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#start, spareDelay);
  }

  readonly #start = (): void => {
    if (this.#spare !== undefined || !this.host.wanted()) return;
    const wait = (this.host.nextDeadline() ?? Infinity) - performance.now();
    if (wait < this.#clearance) {
      this.#timer = setTimeout(this.#start, Math.max(0, wait) + this.#clearance);
      return;
    }
    const spare = this.host.launcher.start(true);
    if (spare.child.pid === undefined) return;
    this.#spare = spare;
    void spare.identified.then((pid) => this.host.started(pid));
  };

  /** The spare to promote, if one is alive; it is then no longer the spare. */
  take(): Instance | undefined {
    const spare = this.#spare;
    this.#spare = undefined;
    return spare !== undefined && !spare.exited ? spare : undefined;
  }

  /** Whether `instance` is the waiting spare. */
  holds(instance: Instance): boolean {
    return instance === this.#spare;
  }

  /**
   * The spare ended before it was needed. Not restarted here: a spare that cannot start would be
   * restarted in a loop; the next instance's welcome brings a new one.
   */
  ended(instance: Instance): void {
    if (instance === this.#spare) this.#spare = undefined;
  }

  /** On quit: no new spare, and the one parked in register(), which has done nothing worth a warning, is killed. */
  discard(): void {
    clearTimeout(this.#timer);
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare && !spare.exited) {
      killGroup(spare);
      spare.channel.destroy();
    }
  }
}
