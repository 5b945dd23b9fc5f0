/**
 * The corosync scenarios of the backend suite: testsam's quorum, cmap quit and cmap restart, and
 * samkit's quorum timing, data store while start() waits and corosync-restart checks, against the
 * test corosync. The backend's factory module must also export `quorumSource()` and
 * `statePublisher()`.
 *
 * Without the test corosync the tests are skipped with the reason; with SAMKIT_REQUIRE_COROSYNC=1
 * (CI) they fail instead.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { runScenario, startScenario } from "./run-scenario.js";
import { cmapDeletePrefix, cmapKeys, setTestQuorate, startTestCorosync, stopTestCorosync, testClusterName } from "./test-corosync.js";
import type { SuiteTest } from "./backend-suite.js";
import { expectExit, explain, find, isSignal } from "./suite-assertions.js";

export interface CorosyncSuiteOptions {
  name?: string;
  /** testsam's 2000 ms, scaled down; default 300. */
  interval?: number;
  skip?: readonly string[];
  /** Extra milliseconds on every timing bound; default 0. */
  slack?: number;
  /**
   * The backend leaves `recovery` as it was after markFailed(), as libsam does (its bug 6.1 #3);
   * samkit's own supervisor writes `quit`. Default false.
   */
  markFailedKeepsRecovery?: boolean;
}

/** Checked once, synchronously, when the tests are declared (the global setup has started corosync by then). */
export function corosyncUnavailableReason(): string | undefined {
  const result = spawnSync("corosync-cmapctl", ["-g", "totem.cluster_name"], { encoding: "utf8", env: { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` } });
  if (result.error) return "corosync is not installed (apt-get install corosync libquorum-dev libcmap-dev)";
  if (result.status !== 0) return "the test corosync is not running (pnpm test starts it when run as root; or: node packages/conformance/dist/test-corosync-cli.js start)";
  if (!result.stdout.includes(`= ${testClusterName}`)) return `the corosync running here is not the test cluster (${testClusterName})`;
  return undefined;
}

/** Every test leaves corosync quorate and without its supervisors' keys. */
async function cleanUp(pids: number[]): Promise<void> {
  await setTestQuorate(true);
  for (const pid of pids) await cmapDeletePrefix(`resources.process.${pid}.`);
}

export function corosyncBackendSuite(test: SuiteTest, makeBackend: string | URL, options: CorosyncSuiteOptions = {}): void {
  const interval = options.interval ?? 300;
  const slack = options.slack ?? 0;
  const skip = new Set(options.skip ?? []);
  const unavailable = corosyncUnavailableReason();
  const required = process.env.SAMKIT_REQUIRE_COROSYNC === "1";
  const it = (name: string, body: () => Promise<void>, timeout = 60_000) => {
    if (skip.has(name)) return;
    if (unavailable && !required) {
      const skipTest = (test.it as SuiteTest["it"] & { skip?: SuiteTest["it"] }).skip;
      (skipTest ?? (() => {}))(`${name} (skipped: ${unavailable})`, async () => {}, timeout);
      return;
    }
    test.it(name, async () => {
      if (unavailable) assert.fail(`SAMKIT_REQUIRE_COROSYNC=1 but ${unavailable}`);
      await body();
    }, timeout);
  };
  const run = (name: string, args: string[] = [], runInterval = interval) => runScenario(makeBackend, name, { interval: runInterval, args });

  test.describe(options.name ?? "SupervisionBackend conformance with corosync", () => {
    it("quorum", async () => {
      const result = await run("quorum");
      try {
        expectExit(result, 0);
        const called = find(result, "instance 1 calling start()", (record) => record.event === "start-called").time;
        const second = find(result, "instance 2", (record) => record.event === "instance" && record.instanceId === 2).time;
        assert.ok(second - called >= (interval * 5000) / 2000 - 50, `instance 1's start() did not block until it exited\n${explain(result)}`);
        const inquorate = find(result, "the loss of quorum", (record) => record.event === "inquorate-set").time;
        const warned = find(result, "the warn signal", isSignal("SIGTERM", "quorum-lost"));
        assert.ok(warned.time - inquorate <= 100 + slack, `warn signal ${(warned.time - inquorate).toFixed(1)} ms after the loss of quorum\n${explain(result)}`);
        find(result, "instance 3", (record) => record.event === "instance" && record.instanceId === 3);
      } finally {
        await cleanUp([]);
      }
    });

    it("quorum timing", async () => {
      const result = await run("quorum timing");
      try {
        expectExit(result, 0);
        const called = find(result, "start()", (record) => record.event === "start-called").time;
        const quorate = find(result, "quorum coming back", (record) => record.event === "quorate-set").time;
        const started = find(result, "start() returning", (record) => record.event === "started").time;
        assert.ok(quorate - called >= interval - 20, `start() was not blocked while inquorate\n${explain(result)}`);
        assert.ok(started - quorate <= 100 + slack, `start() returned ${(started - quorate).toFixed(1)} ms after quorum came back (limit 100 ms)\n${explain(result)}`);
        const inquorate = find(result, "the loss of quorum", (record) => record.event === "inquorate-set").time;
        const warned = find(result, "the warn signal", isSignal("SIGTERM", "quorum-lost")).time;
        const handled = find(result, "the warn-signal handler", (record) => record.event === "warn-signal-handled").time;
        assert.ok(warned - inquorate <= 100 + slack, `warn signal ${(warned - inquorate).toFixed(1)} ms after the loss of quorum (limit 100 ms)\n${explain(result)}`);
        assert.ok(handled - inquorate <= 100 + slack, `the instance heard its warning ${(handled - inquorate).toFixed(1)} ms after the loss of quorum\n${explain(result)}`);
        console.log(`quorum timing: start() returned ${(started - quorate).toFixed(1)} ms after quorum came back; warn signal ${(warned - inquorate).toFixed(1)} ms after it was lost`);
      } finally {
        await cleanUp([]);
      }
    });

    it("data store while start waits", async () => {
      const result = await run("data store while start waits");
      try {
        expectExit(result, 0);
        const quorate = find(result, "quorum coming back", (record) => record.event === "quorate-set").time;
        const started = find(result, "start() returning", (record) => record.event === "started").time;
        find(result, "dataStore() returning", (record) => record.event === "stored");
        assert.ok(started >= quorate, `start() returned before quorum came back\n${explain(result)}`);
        // Instance 2 checked the data it restored; it is there, so the store was not lost.
        find(result, "instance 2", (record) => record.event === "instance" && record.instanceId === 2);
      } finally {
        await cleanUp([]);
      }
    });

    it("cmap quit", async () => {
      const pids: number[] = [];
      try {
        let previousPid = 0;
        for (const [round, expected] of [[1, 0], [2, 143], [3, 0]] as const) {
          const scenario = startScenario(makeBackend, "cmap quit", { interval, args: [String(round), String(previousPid)] });
          pids.push(scenario.pid);
          const result = await scenario.done;
          expectExit(result, expected);
          if (round === 1) assert.equal((await cmapKeys(`resources.process.${scenario.pid}.`)).size, 0, "a clean quit left keys behind");
          if (round === 2) assert.equal((await cmapKeys(`resources.process.${scenario.pid}.`)).get(`resources.process.${scenario.pid}.state`), "failed");
          previousPid = scenario.pid;
        }
      } finally {
        await cleanUp(pids);
      }
    });

    it("cmap restart", async () => {
      const pids: number[] = [];
      try {
        const first = startScenario(makeBackend, "cmap restart", { interval, args: ["1", "0"] });
        pids.push(first.pid);
        const result = await first.done;
        expectExit(result, 137);
        const marked = find(result, "markFailed()", (record) => record.event === "mark-failed").time;
        const quit = find(result, "the supervisor quitting", (record) => record.event === "supervisor-quit" || record.event === "supervisor-exit").time;
        assert.ok(quit - marked <= 200 + slack, `the supervisor took ${(quit - marked).toFixed(1)} ms to end after markFailed()\n${explain(result)}`);
        for (const instanceId of [1, 2, 3]) find(result, `instance ${instanceId}`, (record) => record.event === "instance" && record.instanceId === instanceId);
        const second = startScenario(makeBackend, "cmap restart", { interval, args: ["2", String(first.pid), options.markFailedKeepsRecovery ? "keeps-recovery" : "writes-recovery"] });
        pids.push(second.pid);
        expectExit(await second.done, 0);
      } finally {
        await cleanUp(pids);
      }
    });

    it("corosync stops and comes back", async () => {
      const scenario = startScenario(makeBackend, "corosync stops and comes back", { interval, timeout: 60_000 });
      try {
        await scenario.waitFor((record) => record.event === "running");
        const stoppedAt = performance.now();
        await stopTestCorosync();
        await scenario.waitFor((record) => record.event === "instance" && record.instanceId === 2, 20_000);
        const warned = find(scenario, "the warn signal", isSignal("SIGTERM", "quorum-lost"));
        find(scenario, "the lost connection reported", (record) => record.event === "supervisor-error" && /lost the connection to corosync/.test(String(record.message)));
        await scenario.waitFor((record) => record.event === "start-called");
        // Blocked while corosync is away.
        await new Promise((resolve) => setTimeout(resolve, interval * 2));
        assert.equal(scenario.records.some((record) => record.event === "started"), false, "start() returned while corosync was down");
        await startTestCorosync();
        const backAt = performance.now();
        const started = await scenario.waitFor((record) => record.event === "started", 20_000);
        const result = await scenario.done;
        expectExit(result, 0);
        console.log(`corosync restart: warned ${(warned.time - (performance.timeOrigin + stoppedAt)).toFixed(0)} ms after the stop began; start() returned ${(started.time - (performance.timeOrigin + backAt)).toFixed(0)} ms after corosync was back`);
      } finally {
        scenario.process.kill("SIGKILL");
        await startTestCorosync();
        await cleanUp([scenario.pid]);
      }
    }, 120_000);
  });
}
