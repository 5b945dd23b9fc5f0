/**
 * Starts a scenario in a fresh process tree and collects what it reports, for the test suites.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { reportMarker } from "./scenario-context.js";

export interface ScenarioRecord {
  event: string;
  time: number;
  pid: number;
  [field: string]: unknown;
}

export interface ScenarioRun {
  /** The supervisor's exit code, or null when it died by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  records: ScenarioRecord[];
  /** Everything else the processes printed, for failure messages. */
  output: string;
}

export interface RunningScenario {
  /** The supervisor's PID. */
  readonly pid: number;
  readonly process: ChildProcess;
  readonly records: ScenarioRecord[];
  /** Resolves with the first record that matches. */
  waitFor(predicate: (record: ScenarioRecord) => boolean, timeout?: number): Promise<ScenarioRecord>;
  /** Resolves when the supervisor has exited. */
  readonly done: Promise<ScenarioRun>;
}

export interface StartScenarioOptions {
  /** testsam's 2000 ms scaled down to this; default 300. */
  interval?: number;
  /** Kills the supervisor after this many milliseconds; default 60000. */
  timeout?: number;
  /** Extra arguments for the scenario (its `args`). */
  args?: readonly string[];
}

export function scenarioRunnerPath(): string {
  return fileURLToPath(new URL("./scenario-runner.js", import.meta.url));
}

export function startScenario(backendModule: string | URL, name: string, options: StartScenarioOptions = {}): RunningScenario {
  const interval = options.interval ?? 300;
  const modulePath = backendModule instanceof URL ? fileURLToPath(backendModule) : backendModule;
  // ulimit -c 0: the crash scenarios must not litter the disk with core files (testsam does the same).
  const child = spawn(
    "/bin/sh",
    ["-c", 'ulimit -c 0 2>/dev/null; exec "$0" "$@"', process.execPath, scenarioRunnerPath(), modulePath, name, String(interval), ...(options.args ?? [])],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const records: ScenarioRecord[] = [];
  const waiters: { predicate: (record: ScenarioRecord) => boolean; resolve: (record: ScenarioRecord) => void }[] = [];
  let output = "";
  let partial = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (text: string) => {
    partial += text;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith(reportMarker)) {
        output += `${line}\n`;
        continue;
      }
      const record = JSON.parse(line.slice(reportMarker.length)) as ScenarioRecord;
      records.push(record);
      for (let index = waiters.length - 1; index >= 0; index--) {
        const waiter = waiters[index]!;
        if (waiter.predicate(record)) {
          waiters.splice(index, 1);
          waiter.resolve(record);
        }
      }
    }
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (text: string) => {
    output += text;
  });
  const timer = setTimeout(() => {
    output += `\n[harness] scenario ${name} timed out after ${options.timeout ?? 60_000} ms; killing it\n`;
    child.kill("SIGKILL");
  }, options.timeout ?? 60_000);
  const done = new Promise<ScenarioRun>((resolve) => {
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, records, output });
    });
  });
  return {
    pid: child.pid!,
    process: child,
    records,
    done,
    waitFor(predicate, timeout = 30_000) {
      const found = records.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.push(waiter);
        const timeoutTimer = setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) waiters.splice(index, 1);
          reject(new Error(`scenario ${name}: no matching record within ${timeout} ms\n${output}`));
        }, timeout);
        timeoutTimer.unref();
        void done.then(() => {
          clearTimeout(timeoutTimer);
          const index = waiters.indexOf(waiter);
          if (index >= 0) {
            waiters.splice(index, 1);
            reject(new Error(`scenario ${name} ended without a matching record\n${output}`));
          }
        });
      });
    },
  };
}

export function runScenario(backendModule: string | URL, name: string, options: StartScenarioOptions = {}): Promise<ScenarioRun> {
  return startScenario(backendModule, name, options).done;
}

/** Whether a process is gone: no such PID, or a zombie nobody has reaped yet. */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the command name in parentheses, which may itself contain spaces.
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return true;
  }
}
