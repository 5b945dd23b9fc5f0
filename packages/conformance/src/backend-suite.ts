/**
 * The conformance suite every SupervisionBackend runs: corosync's testsam, scenario by scenario, as
 * real processes whose verdict is the supervisor's exit code, plus samkit's own timing and
 * lifecycle checks. A backend runs it with a three-line test file.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { processGone, runScenario, startScenario, type ScenarioRecord, type ScenarioRun } from "./run-scenario.js";
import { crashLoopPolicy } from "./scenarios/restart-policy.js";
import { expectExit, explain, find, isSignal, within } from "./suite-assertions.js";
import { stallTests } from "./stall-tests.js";

/** The parts of a test framework the suite uses (vitest, jest and mocha all fit). */
export interface SuiteTest {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeout?: number): void;
}

export interface BackendSuiteOptions {
  /** A name for the describe block; default "SupervisionBackend conformance". */
  name?: string;
  /** testsam's 2000 ms, scaled down; default 300. Every sleep scales with it. */
  interval?: number;
  /** Scenario names this backend cannot run (say why in the test file). */
  skip?: readonly string[];
  /** Extra milliseconds allowed on top of each timing bound (slow machines); default 0. */
  slack?: number;
}

export { isSignal };

/**
 * @param test the test framework's describe/it
 * @param makeBackend a module (path or file URL) whose default export is a BackendFactory
 */
export function backendSuite(test: SuiteTest, makeBackend: string | URL, options: BackendSuiteOptions = {}): void {
  const interval = options.interval ?? 300;
  const slack = options.slack ?? 0;
  const skip = new Set(options.skip ?? []);
  const run = (name: string, runInterval = interval) => runScenario(makeBackend, name, { interval: runInterval });
  // Tests carry their scenario's name, so `skip` takes the same names.
  const it = (name: string, body: () => Promise<void>, timeout = 60_000) => {
    if (skip.has(name)) return;
    test.it(name, body, timeout);
  };

  // A describe block whose every test is skipped would be empty, which test frameworks refuse.
  const describeSome = (name: string, tests: readonly string[], body: () => void) => {
    if (tests.some((test) => !skip.has(test))) test.describe(name, body);
  };

  test.describe(options.name ?? "SupervisionBackend conformance", () => {
    test.describe("testsam", () => {
      it("basics", async () => {
        const result = await run("basics");
        expectExit(result, 0);
        const spawns = result.records.filter((record) => record.event === "supervisor-spawn");
        if (spawns.length > 0) assert.equal(spawns.length, 3, `expected 3 instances\n${explain(result)}`);
        find(result, "instance 3", (record) => record.event === "instance" && record.instanceId === 3);
        find(result, "instance 2 surviving while stopped", (record) => record.event === "survived-while-stopped");
      });

      it("signal", async () => {
        const result = await run("signal");
        expectExit(result, 137);
        find(result, "the SIGTERM handler running", (record) => record.event === "warn-signal");
      });

      it("smoke", async () => {
        const result = await run("smoke");
        expectExit(result, 0);
        find(result, "instance 100", (record) => record.event === "instance" && record.instanceId === 100);
      });

      it("data_store/restore", async () => {
        expectExit(await run("data_store/restore"), 0);
      });

      it("hc", async () => {
        const result = await run("hc");
        expectExit(result, 0);
        const calls = result.records.filter((record) => record.event === "callback").map((record) => record.count);
        assert.deepEqual(calls, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], `callback calls\n${explain(result)}`);
      });

      it("warn_signal", async () => {
        const result = await run("warn_signal");
        expectExit(result, 0);
        const handled = result.records.filter((record) => record.event === "warn-signal");
        assert.equal(handled.length, 1, `expected exactly one SIGUSR2 (in instance 1)\n${explain(result)}`);
      });

      it("finalize deadlock", async () => {
        const result = await run("finalize deadlock");
        expectExit(result, 0);
        find(result, "finalize() returning", (record) => record.event === "finalized");
      });
    });

    test.describe("hang detection", () => {
      const hangInterval = 200;
      /**
       * The warning comes one interval after the last heartbeat, within 50 ms. Measured inside the
       * supervisor when the backend reports it (`sinceLastMessage`); otherwise across the two
       * processes' clocks, whose origins may differ by a few milliseconds.
       */
      const checkWarning = (warning: ScenarioRecord, lastHeartbeat: number, result: ScenarioRun) => {
        if (typeof warning.sinceLastMessage === "number") within(warning.sinceLastMessage, hangInterval, hangInterval + 50 + slack, "last heartbeat to warn signal (in the supervisor)", result);
        within(warning.time - lastHeartbeat, hangInterval - 10, hangInterval + 50 + slack, "last heartbeat to warn signal", result);
      };
      /** Warn one interval after the last heartbeat, SIGKILL one more interval later, then instance 2. */
      const checkHang = async (name: string) => {
        const result = await run(name, hangInterval);
        expectExit(result, 0);
        const last = find(result, "the last heartbeat", (record) => record.event === "last-heartbeat").time;
        const warning = find(result, "the warn signal", isSignal("SIGTERM", "timeout"));
        const warned = warning.time;
        const killed = find(result, "SIGKILL", isSignal("SIGKILL", "timeout")).time;
        const next = find(result, "instance 2", (record) => record.event === "instance" && record.instanceId === 2).time;
        checkWarning(warning, last, result);
        within(killed - warned, hangInterval - 2, hangInterval + 50 + slack, "warn signal to SIGKILL", result);
        within(next - last, 2 * hangInterval, 2 * hangInterval + 1500 + slack, "last heartbeat to the next instance", result);
        assert.equal(result.records.filter((record) => record.event === "warn-signal-handled").length, 0, `a stuck instance cannot handle its warning\n${explain(result)}`);
      };
      it("busy loop", () => checkHang("busy loop"), 30_000);
      /** The callback went wrong right after a heartbeat; the warning follows one interval later. */
      const checkCallback = async (name: string, handled: boolean) => {
        const result = await run(name, hangInterval);
        expectExit(result, 0);
        const last = find(result, "the callback going wrong", (record) => record.event === "last-heartbeat").time;
        checkWarning(find(result, "the warn signal", isSignal("SIGTERM", "timeout")), last, result);
        if (handled) find(result, "the warn-signal handler (the event loop is free)", (record) => record.event === "warn-signal-handled");
        find(result, "SIGKILL", isSignal("SIGKILL", "timeout"));
        find(result, "instance 2", (record) => record.event === "instance" && record.instanceId === 2);
      };
      it("health-check callback fails", () => checkCallback("health-check callback fails", true), 30_000);
      it("health-check callback never settles", () => checkCallback("health-check callback never settles", true), 30_000);
      it("health-check callback blocks the event loop", () => checkHang("health-check callback blocks the event loop"), 30_000);

      it("instance ignores the warn signal", async () => {
        const result = await run("instance ignores the warn signal", hangInterval);
        expectExit(result, 137);
        const last = find(result, "the last heartbeat", (record) => record.event === "last-heartbeat").time;
        const warning = find(result, "the warn signal", isSignal("SIGTERM", "timeout"));
        const warned = warning.time;
        const killed = find(result, "SIGKILL", isSignal("SIGKILL", "timeout")).time;
        find(result, "the ignored warning being handled", (record) => record.event === "warn-signal-handled");
        checkWarning(warning, last, result);
        within(killed - warned, hangInterval - 2, hangInterval + 50 + slack, "warn signal to SIGKILL", result);
      });
    });

    test.describe("input validation", () => {
      it("bad arguments and wrong states", async () => {
        const result = await run("bad arguments and wrong states");
        expectExit(result, 0);
        const checked = find(result, "the checks", (record) => record.event === "checked");
        assert.ok((checked.checks as number) > 200, `only ${String(checked.checks)} checks ran\n${explain(result)}`);
      });
    });

    describeSome("beyond SAM: restart policy", ["crash loop with back-off and a restart limit", "failed for good"], () => {
      it("crash loop with back-off and a restart limit", async () => {
        const result = await run("crash loop with back-off and a restart limit");
        expectExit(result, 124);
        const { backoff, restartLimit } = crashLoopPolicy;
        const exits = result.records.filter((record) => record.event === "supervisor-exit");
        const spawns = result.records.filter((record) => record.event === "supervisor-spawn");
        assert.equal(spawns.length, restartLimit.count + 1, `expected ${restartLimit.count + 1} instances\n${explain(result)}`);
        for (let restart = 0; restart < restartLimit.count; restart++) {
          const expected = Math.min(backoff.maxDelay, backoff.initialDelay * backoff.factor ** restart);
          const spawn = spawns[restart + 1]!;
          // Measured inside the supervisor when the backend says (no clocks of two processes to align).
          const waited = typeof spawn.waited === "number" ? spawn.waited : spawn.time - exits[restart]!.time;
          if (typeof spawn.delay === "number") assert.equal(spawn.delay, expected, `restart ${restart + 1}: the policy asked for ${spawn.delay} ms`);
          within(waited, expected - 2, expected + 20 + slack, `restart ${restart + 1} (delay ${expected} ms)`, result);
        }
        find(result, "the give-up", (record) => record.event === "supervisor-give-up" && record.reason === "restart-limit");
        assert.match(result.output, /restart limit is hit, giving up with exit code 124/);
      });

      it("failed for good", async () => {
        const result = await run("failed for good");
        expectExit(result, 125);
        find(result, "the give-up", (record) => record.event === "supervisor-give-up" && record.reason === "no-restart-exit-code");
      });
    });

    test.describe("faults", () => {
      it("instance killed with SIGKILL", async () => {
        const scenario = startScenario(makeBackend, "healthy until stopped", { interval: hangInterval(interval) });
        const first = await scenario.waitFor((record) => record.event === "instance");
        process.kill(first.pid, "SIGKILL");
        const second = await scenario.waitFor((record) => record.event === "instance" && record.pid !== first.pid);
        assert.equal(second.supervisorPid, scenario.pid);
        process.kill(scenario.pid, "SIGTERM");
        expectExit(await scenario.done, 143);
      });

      it("instance ignores every catchable signal", async () => {
        const result = await run("instance ignores every catchable signal", 200);
        expectExit(result, 137);
        const warned = find(result, "the warn signal", isSignal("SIGTERM", "timeout")).time;
        const killed = find(result, "SIGKILL", isSignal("SIGKILL", "timeout")).time;
        find(result, "the ignored warning", (record) => record.event === "ignored" && record.signal === "SIGTERM");
        within(killed - warned, 198, 250 + slack, "warn signal to SIGKILL", result);
      });

      it("instance forks children and dies", async () => {
        const result = await run("instance forks children and dies");
        expectExit(result, 0);
        const pids = find(result, "the children", (record) => record.event === "children").pids as number[];
        assert.equal(pids.length, 5);
        const deadline = performance.now() + 2000;
        while (pids.some((pid) => !processGone(pid)) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.deepEqual(pids.filter((pid) => !processGone(pid)), [], "children of the dead instance still run");
      });

      it("heartbeat flood", async () => {
        const scenario = startScenario(makeBackend, "heartbeat flood", { interval: 200 });
        await scenario.waitFor((record) => record.event === "flooding");
        const memory = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${scenario.pid}/status`, "utf8"))?.[1] ?? 0);
        const rss: number[] = [];
        const sampler = setInterval(() => {
          try {
            rss.push(memory());
          } catch {
            // The supervisor has gone.
          }
        }, 100);
        const result = await scenario.done;
        clearInterval(sampler);
        expectExit(result, 0);
        const sent = find(result, "the flood", (record) => record.event === "flooded").sent as number;
        assert.ok(sent > 50_000, `only ${sent} heartbeats in 2 s`);
        assert.equal(result.records.filter((record) => record.event === "supervisor-signal").length, 0, `a false time-out under the flood\n${explain(result)}`);
        const growth = (Math.max(...rss) - rss[0]!) / 1024;
        assert.ok(growth < 50, `the supervisor grew by ${growth.toFixed(1)} MiB under the flood`);
        console.log(`heartbeat flood: ${sent} heartbeats in 2 s, no time-out, supervisor RSS ${(rss[0]! / 1024).toFixed(1)} -> max ${(Math.max(...rss) / 1024).toFixed(1)} MiB`);
      });

      // A hundred live inputs per backend, each through a real supervisor (the in-process fuzz
      // of the readers does the hundreds of thousands).
      it("random bytes on the channel", async () => {
        const inputs = 100;
        const result = await runScenario(makeBackend, "random bytes on the channel", { interval, args: [String(inputs)], timeout: 120_000 });
        expectExit(result, 0);
        const garbage = result.records.filter((record) => record.event === "garbage");
        assert.equal(garbage.length, inputs, `every input sent\n${explain(result)}`);
        find(result, "the supervisor surviving every input", (record) => record.event === "survived" && record.instanceId === inputs + 1);
        // A clear line for each: which instance, and that the channel protocol was broken.
        const lines = result.output.split("\n").filter((line) => /broke the channel protocol/.test(line)).length +
          result.records.filter((record) => record.event === "supervisor-error" && /broke the channel protocol/.test(String(record.message))).length;
        assert.ok(lines >= inputs, `only ${lines} clear lines for ${inputs} bad inputs\n${explain(result)}`);
      }, 120_000);

      it("crash storm", async () => {
        const scenario = startScenario(makeBackend, "crash storm", { interval: 200 });
        const cpu = () => {
          const stat = readFileSync(`/proc/${scenario.pid}/stat`, "utf8");
          const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
          return (Number(fields[11]) + Number(fields[12])) * 10;
        };
        const started = performance.now();
        let used = 0;
        const sampler = setInterval(() => {
          try {
            used = cpu();
          } catch {
            // The supervisor has gone.
          }
        }, 20);
        const result = await scenario.done;
        clearInterval(sampler);
        const elapsed = performance.now() - started;
        expectExit(result, 124);
        assert.equal(result.records.filter((record) => record.event === "supervisor-spawn").length, 31, `the restart limit did not hold\n${explain(result)}`);
        // The instances' own start-up is theirs; the supervisor's share of a core stays small.
        assert.ok(used / elapsed < 0.5, `the supervisor used ${used} ms of CPU in ${elapsed.toFixed(0)} ms`);
        console.log(`crash storm: 31 instances in ${elapsed.toFixed(0)} ms, the limit held (exit 124), supervisor CPU ${used} ms (${((100 * used) / elapsed).toFixed(0)} % of a core)`);
      });
    });

    test.describe("supervisor and exit codes", () => {
      it("exit while stopped", async () => expectExit(await run("exit while stopped"), 7));
      it("exit while started, quit policy", async () => expectExit(await run("exit while started, quit policy"), 5));
      it("killed by a signal while stopped", async () => expectExit(await run("killed by a signal while stopped"), 134));
      it("mark failed", async () => {
        const result = await run("mark failed");
        expectExit(result, 137);
        const marked = find(result, "markFailed()", (record) => record.event === "mark-failed").time;
        const killed = find(result, "SIGKILL", isSignal("SIGKILL", "mark-failed")).time;
        within(killed - marked, 0, 100 + slack, "markFailed() to SIGKILL", result);
      });
      it("mark failed, then exit 0", async () => expectExit(await run("mark failed, then exit 0"), 137));

      // kill -9 of the supervisor: the instance is gone within one second.
      it("supervisor killed", async () => {
        const scenario = startScenario(makeBackend, "healthy until stopped", { interval: hangInterval(interval) });
        const ready = await scenario.waitFor((record) => record.event === "instance");
        assert.equal(ready.supervisorPid, scenario.pid, "the supervisor keeps the PID that was started");
        const instancePid = ready.pid;
        const killedAt = performance.now();
        process.kill(scenario.pid, "SIGKILL");
        while (!processGone(instancePid) && performance.now() - killedAt < 3000) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const elapsed = performance.now() - killedAt;
        assert.ok(processGone(instancePid), `instance ${instancePid} still runs 3 s after its supervisor was killed`);
        assert.ok(elapsed < 1000 + slack, `instance took ${elapsed.toFixed(0)} ms to go after its supervisor was killed`);
        await scenario.done;
      }, 30_000);

      stallTests(it, makeBackend, slack);

      // SIGTERM to the supervisor stops the instance and exits with its code.
      it("supervisor stopped", async () => {
        const scenario = startScenario(makeBackend, "healthy until stopped", { interval: hangInterval(interval) });
        const ready = await scenario.waitFor((record) => record.event === "instance");
        process.kill(scenario.pid, "SIGTERM");
        const result = await scenario.done;
        expectExit(result, 143);
        find(result, "the warn signal for the stop request", isSignal("SIGTERM", "stop-request"));
        assert.ok(processGone(ready.pid as number), "the instance outlived its supervisor");
      }, 30_000);
    });
  });
}

/** Lifecycle scenarios heartbeat every interval/4: a short interval keeps them quick. */
function hangInterval(interval: number): number {
  return Math.min(interval, 200);
}
