import type { StatePublisher } from "@samkit/core";
import type { Scenario, ScenarioContext } from "../scenario-context.js";
import { cmapGet } from "../test-corosync.js";

function requirePublisher({ plugins, fail }: ScenarioContext): () => StatePublisher {
  if (!plugins.statePublisher) return fail("the backend's factory module exports no statePublisher() for the CMAP scenarios");
  return plugins.statePublisher;
}

/** The supervisor's keys, seen from an instance (its parent is the supervisor, whose PID names them). */
async function expectKey(context: ScenarioContext, pid: number, name: string, expected: string | undefined): Promise<void> {
  const value = await cmapGet(`resources.process.${pid}.${name}`);
  context.check(value === expected, `resources.process.${pid}.${name} is ${value === undefined ? "missing" : JSON.stringify(value)}, expected ${expected === undefined ? "no key" : JSON.stringify(expected)}`);
}

const run = (context: ScenarioContext) => ({ round: Number(context.args[0] ?? "1"), previousPid: Number(context.args[1] ?? "0") });

/**
 * testsam test_cmap_quit (testsam.c:936-1181), sub-run `args[0]` (1, 2, 3); `args[1]` is the
 * previous sub-run's supervisor PID. Run 1 quits cleanly (the keys are deleted); run 2 is killed
 * while started under QUIT|CMAP (`failed` stays); run 3 finds run 2's `failed`.
 */
export const cmapQuit: Scenario = {
  name: "cmap quit",
  testsam: "test_cmap_quit",
  // Run 2 ends with the instance killed by its warn signal: 128 + 15 (libsam: 0).
  expectedExitCode: 0,
  async run(context) {
    const { sam, interval, scaled, sleep, check, fail, report } = context;
    const { round, previousPid } = run(context);
    if (round === 3) {
      await expectKey(context, previousPid, "state", "failed");
      return;
    }
    const statePublisher = requirePublisher(context);
    if (round === 2) await expectKey(context, process.pid, "state", undefined);
    await sam.initialize({ interval, recovery: "quit", cmap: statePublisher() });
    const instanceId = await sam.register();
    const pid = context.supervisorPid;
    report("instance", { instanceId, supervisorPid: pid });
    check(instanceId === 1, `unexpected instance ${instanceId} under the quit policy`);
    await expectKey(context, pid, "recovery", "quit");
    await expectKey(context, pid, "state", "stopped");
    await sam.start();
    await expectKey(context, pid, "state", "running");
    await sam.stop();
    await expectKey(context, pid, "state", "stopped");
    await sleep(scaled(5000));
    await expectKey(context, pid, "state", "stopped");
    await sam.start();
    await expectKey(context, pid, "state", "running");
    if (round === 2) {
      report("start-2");
      await sleep(scaled(5000));
      fail("run 2 was not killed two seconds (scaled) after its start");
    }
    sam.hcSend();
    const first = BigInt((await cmapGet(`resources.process.${pid}.last_updated`)) ?? "0");
    await sleep(scaled(1000));
    sam.hcSend();
    await sleep(scaled(1000));
    const second = BigInt((await cmapGet(`resources.process.${pid}.last_updated`)) ?? "0");
    const elapsed = Number(second - first) / 1e6;
    check(elapsed >= scaled(500) && elapsed <= scaled(2000), `last_updated moved by ${elapsed} ms between two heartbeats ${scaled(1000)} ms apart; expected ${scaled(500)} to ${scaled(2000)}`);
    await sam.stop();
    await expectKey(context, pid, "state", "stopped");
  },
};

/**
 * testsam test_cmap_restart (testsam.c:1183-1313), sub-run `args[0]` (1, 2). Run 1: instances 1 and
 * 2 are killed and restarted (`recovery = restart`, `stopped` before each), instance 3 marks itself
 * failed: SIGKILL at once, a quit, `failed` kept. samkit also checks that markFailed rewrote
 * `recovery` to `quit`, so corosync's watchdog acts (libsam leaves `restart`).
 */
export const cmapRestart: Scenario = {
  name: "cmap restart",
  testsam: "test_cmap_restart",
  expectedExitCode: 0,
  async run(context) {
    const { sam, interval, scaled, sleep, fail, report } = context;
    const { round, previousPid } = run(context);
    if (round === 2) {
      await expectKey(context, previousPid, "state", "failed");
      await expectKey(context, previousPid, "recovery", context.args[2] === "keeps-recovery" ? "restart" : "quit");
      return;
    }
    const statePublisher = requirePublisher(context);
    await sam.initialize({ interval, recovery: "restart", cmap: statePublisher() });
    const instanceId = await sam.register();
    const pid = context.supervisorPid;
    report("instance", { instanceId, supervisorPid: pid });
    if (instanceId < 3) {
      await expectKey(context, pid, "recovery", "restart");
      await expectKey(context, pid, "state", "stopped");
      await sam.start();
      await expectKey(context, pid, "state", "running");
      await sleep(scaled(10_000));
      fail(`instance ${instanceId} was not killed`);
    }
    report("mark-failed");
    await sam.markFailed();
    await sleep(scaled(10_000));
    fail("instance 3 survived markFailed()");
  },
};
