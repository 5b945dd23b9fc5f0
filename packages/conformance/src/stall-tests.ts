/**
 * A stalled supervisor (SIGSTOP, a VM pause, a long GC) is not a hung instance: after it resumes,
 * it takes in what the instance sent meanwhile before it judges a deadline. A real hang during
 * the stall is still caught within one interval of the resume.
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { startScenario } from "./run-scenario.js";
import { explain, find, isSignal } from "./suite-assertions.js";

const wallClock = () => performance.timeOrigin + performance.now();
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Registers the stall tests; `it` is the suite's (it knows the skips). */
export function stallTests(it: (name: string, body: () => Promise<void>, timeout?: number) => void, makeBackend: string | URL, slack: number): void {
  const interval = 200;
  const stalled = async (factor: number, hang: boolean) => {
    const scenario = startScenario(makeBackend, "healthy until told to hang", { interval });
    const ready = await scenario.waitFor((record) => record.event === "instance" && record.instanceId === 1);
    await sleep(2 * interval);
    process.kill(scenario.pid, "SIGSTOP");
    if (hang) process.kill(ready.pid as number, "SIGUSR2");
    await sleep(factor * interval);
    const resumed = wallClock();
    process.kill(scenario.pid, "SIGCONT");
    if (hang) await scenario.waitFor(isSignal("SIGTERM", "timeout"), 10_000).catch(() => undefined);
    else await sleep(2 * interval);
    process.kill(scenario.pid, "SIGTERM");
    return { run: await scenario.done, resumed };
  };
  for (const factor of [1.5, 2, 3, 5]) {
    it(`stalled supervisor: ${factor} x the interval while the instance sends heartbeats: no warning`, async () => {
      const { run } = await stalled(factor, false);
      const timeouts = run.records.filter((record) => record.event === "supervisor-signal" && (record.reason === "timeout" || record.reason === "libsam"));
      // backend-native's agent reports libsam's own kills as "libsam": the stop request's SIGTERM is one of them.
      const beforeStop = timeouts.filter((record) => record.signal !== "SIGTERM" || record.reason === "timeout");
      assert.equal(beforeStop.length, 0, `a healthy instance was signalled after a stall of ${factor} x the interval\n${explain(run)}`);
      assert.ok(!run.records.some((record) => record.event === "instance" && record.instanceId === 2), `instance 1 was replaced\n${explain(run)}`);
    }, 30_000);
  }
  for (const factor of [2, 5]) {
    it(`stalled supervisor: an instance that hangs during a stall of ${factor} x the interval is warned within one interval of the resume`, async () => {
      const { run, resumed } = await stalled(factor, true);
      const warning = find(run, "the warn signal", isSignal("SIGTERM", "timeout"));
      const late = warning.time - resumed;
      assert.ok(late <= interval + 50 + slack, `warned ${late.toFixed(1)} ms after the resume (limit ${interval + 50 + slack} ms)\n${explain(run)}`);
    }, 30_000);
  }
}
