/**
 * What a scenario script sees. A scenario runs in the supervisor and in every instance (the entry
 * is re-run), exactly like a testsam test function: the code after register() is the instance's.
 */
import { performance } from "node:perf_hooks";
import type { ProcessRole, Sam } from "@samkit/core";

/** Lines that start with this marker carry one JSON record for the harness. */
export const reportMarker = "@@samkit ";

export interface ScenarioContext {
  /** The SAM handle of this process, created with the backend under test. */
  readonly sam: Sam;
  /** testsam's 2000 ms interval, scaled down (default 300 ms). */
  readonly interval: number;
  /**
   * This process's side. Code before register() runs in the supervisor and again in every
   * instance; what testsam does once in the test process before sam_initialize goes under
   * `role === "supervisor"`.
   */
  readonly role: ProcessRole;
  /** Extra arguments given to the run (e.g. the previous supervisor's PID for the CMAP sub-runs). */
  readonly args: readonly string[];
  /**
   * The supervisor's PID as an instance sees it, from SAMKIT_SUPERVISOR_PID (its parent is
   * backend-fork's guard or backend-native's relay), else its parent.
   */
  readonly supervisorPid: number;
  /** The plugins the backend's factory module exports for the corosync scenarios. */
  readonly plugins: ScenarioPlugins;
  /** Scales a testsam duration (given for a 2000 ms interval) to this run's interval. */
  scaled(milliseconds: number): number;
  sleep(milliseconds: number): Promise<void>;
  /** Prints a record for the harness, stamped with wall-clock milliseconds. */
  report(event: string, fields?: Record<string, unknown>): void;
  /** Throws: the scenario failed (the instance exits 1 while stopped, so the supervisor exits 1). */
  fail(message: string): never;
  check(condition: unknown, message: string): void;
  /** Checks that a call throws a SamError with `code` (a rejection, for async calls). */
  expectError(code: string, call: () => unknown, what: string): Promise<void>;
  /**
   * Most scenarios' opening: initialize() with this run's interval and the restart policy,
   * register(), and report the instance; resolves with its id (in instances only).
   */
  registerRestarting(): Promise<number>;
}

export interface ScenarioPlugins {
  /** A new QuorumSource (the QUORUM flag), if the factory module exports `quorumSource`. */
  quorumSource?: () => import("@samkit/core").QuorumSource;
  /** A new StatePublisher (the CMAP flag), if the factory module exports `statePublisher`. */
  statePublisher?: () => import("@samkit/core").StatePublisher;
}

export interface Scenario {
  readonly name: string;
  /** What testsam scenario it ports, if any, e.g. `test_basics` (testsam.c:60-182). */
  readonly testsam?: string;
  /** The supervisor's exit code when the scenario passes. */
  readonly expectedExitCode: number;
  run(context: ScenarioContext): Promise<void>;
}

export class ScenarioFailure extends Error {
  override name = "ScenarioFailure";
}

export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

export function createContext(sam: Sam, interval: number, role: ProcessRole, args: readonly string[] = [], plugins: ScenarioPlugins = {}): ScenarioContext {
  const report = (event: string, fields: Record<string, unknown> = {}) => {
    process.stdout.write(`${reportMarker}${JSON.stringify({ event, time: wallClock(), pid: process.pid, ...fields })}\n`);
  };
  const fail = (message: string): never => {
    throw new ScenarioFailure(message);
  };
  return {
    sam,
    interval,
    role,
    args,
    plugins,
    supervisorPid: Number(process.env.SAMKIT_SUPERVISOR_PID) || process.ppid,
    scaled: (milliseconds) => Math.round((milliseconds * interval) / 2000),
    sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
    report,
    fail,
    check(condition, message) {
      if (!condition) fail(message);
    },
    async registerRestarting() {
      await sam.initialize({ interval, recovery: "restart" });
      const instanceId = await sam.register();
      report("instance", { instanceId });
      return instanceId;
    },
    async expectError(code, call, what) {
      let error: unknown;
      try {
        await call();
      } catch (caught) {
        error = caught;
      }
      if (error === undefined) fail(`${what} succeeded; expected ${code}`);
      const actual = (error as { code?: unknown }).code;
      if (actual !== code) fail(`${what} gave ${String(actual)} (${error instanceof Error ? error.message : String(error)}); expected ${code}`);
    },
  };
}
