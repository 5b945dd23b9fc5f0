import type { QuorumSource } from "@samkit/core";
import type { Scenario, ScenarioContext } from "../scenario-context.js";
import { cmapGet, setTestExpectedVotes, setTestQuorate } from "../test-corosync.js";

export function requireQuorumSource({ plugins, fail }: ScenarioContext): () => QuorumSource {
  if (!plugins.quorumSource) return fail("the backend's factory module exports no quorumSource() for the corosync scenarios");
  return plugins.quorumSource;
}

/**
 * testsam test_quorum (testsam.c:766-883) against the test corosync: start() blocks while the
 * cluster is inquorate (instance 1 dies while blocked, which counts as started: a restart); losing
 * quorum while started sends the warn signal at once (instance 2 dies of it).
 */
export const quorum: Scenario = {
  name: "quorum",
  testsam: "test_quorum",
  expectedExitCode: 0,
  async run(context) {
    const { sam, role, interval, scaled, sleep, check, fail, report } = context;
    const quorumSource = requireQuorumSource(context);
    if (role === "supervisor") {
      // testsam's own preconditions (it skips without them; here the harness provides them).
      check((await cmapGet("quorum.provider")) === "corosync_votequorum", "quorum.provider is not corosync_votequorum");
      check((await cmapGet("quorum.expected_votes")) === "1", "quorum.expected_votes is not 1");
      await setTestQuorate(false);
    }
    await sam.initialize({ interval, recovery: "restart", quorum: quorumSource() });
    const instanceId = await sam.register();
    report("instance", { instanceId });
    if (instanceId === 1) {
      // testsam: a thread that sleeps 5 s and exits 0 while sam_start() blocks.
      setTimeout(() => process.exit(0), scaled(5000));
      report("start-called");
      await sam.start();
      fail("start() returned although the cluster is not quorate");
    }
    if (instanceId === 2) {
      await setTestQuorate(true);
      await sam.start();
      report("started");
      // Reported first: the warn signal may end this instance before the command returns.
      report("inquorate-set");
      await setTestExpectedVotes(2);
      await sleep(scaled(3000));
      fail("instance 2 survived the loss of quorum");
    }
    check(instanceId === 3, `unexpected instance ${instanceId}`);
  },
};

/**
 * samkit's timing checks: start() returns soon after quorum comes back; the warn signal follows a
 * quorum loss at once. Quit policy: the instance exits 0 from its warn-signal handler.
 */
export const quorumTiming: Scenario = {
  name: "quorum timing",
  expectedExitCode: 0,
  async run(context) {
    const { sam, role, interval, sleep, fail, report } = context;
    const quorumSource = requireQuorumSource(context);
    if (role === "supervisor") await setTestQuorate(false);
    await sam.initialize({ interval, recovery: "quit", quorum: quorumSource() });
    const instanceId = await sam.register();
    report("instance", { instanceId });
    if (instanceId !== 1) fail(`unexpected instance ${instanceId} under the quit policy`);
    process.on("SIGTERM", () => {
      report("warn-signal-handled");
      process.exit(0);
    });
    // Each change is reported as its command is issued, so the measured delays include the command's own time.
    setTimeout(() => {
      report("quorate-set");
      void setTestExpectedVotes(1);
    }, interval);
    report("start-called");
    await sam.start();
    report("started");
    setInterval(() => sam.hcSend(), Math.max(1, Math.floor(interval / 4)));
    await sleep(interval);
    report("inquorate-set");
    await setTestExpectedVotes(2);
    await sleep(interval * 5);
    fail("no warn signal after the loss of quorum");
  },
};

/**
 * A data store made while start() waits for quorum. libsam's calls are one at a time, so
 * backend-native answers it once the start returns; backend-fork answers it at once. Either way
 * both succeed once quorum is back, and the next instance restores the data.
 */
export const dataStoreWhileWaiting: Scenario = {
  name: "data store while start waits",
  expectedExitCode: 0,
  async run(context) {
    const { sam, role, interval, check, report } = context;
    const quorumSource = requireQuorumSource(context);
    if (role === "supervisor") await setTestQuorate(false);
    await sam.initialize({ interval, recovery: "restart", quorum: quorumSource() });
    const instanceId = await sam.register();
    report("instance", { instanceId });
    if (instanceId === 1) {
      const started = sam.start().then(() => report("started"));
      const stored = sam.dataStore(Buffer.from("stored while waiting")).then(() => report("stored"));
      setTimeout(() => {
        report("quorate-set");
        void setTestQuorate(true);
      }, interval);
      await Promise.all([started, stored]);
      // A crash while started: instance 2 follows.
      process.exit(1);
    }
    check(instanceId === 2, `unexpected instance ${instanceId}`);
    const data = sam.dataRestore();
    const text = data === null ? "no data" : Buffer.from(data).toString();
    check(text === "stored while waiting", `instance 2 restored ${JSON.stringify(text)}`);
    await sam.start();
    await sam.stop();
    process.exit(0);
  },
};

/**
 * Corosync stops while an instance runs (the harness stops and restarts it): the quorum source
 * reports not quorate, the instance is warned and replaced, and the new instance's start() waits
 * until corosync is back and the source has reconnected.
 */
export const corosyncRestart: Scenario = {
  name: "corosync stops and comes back",
  expectedExitCode: 0,
  async run(context) {
    const { sam, interval, report } = context;
    const quorumSource = requireQuorumSource(context);
    await sam.initialize({ interval, recovery: "restart", quorum: quorumSource() });
    const instanceId = await sam.register();
    report("instance", { instanceId });
    if (instanceId === 1) {
      await sam.start();
      setInterval(() => sam.hcSend(), Math.max(1, Math.floor(interval / 4)));
      report("running");
      await new Promise(() => {});
    }
    report("start-called");
    await sam.start();
    report("started");
    await sam.stop();
    process.exit(0);
  },
};
