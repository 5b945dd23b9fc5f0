import type { Scenario } from "../scenario-context.js";

/** The back-off and limit the restart-policy scenario runs with (the suite checks the delays against them). */
export const crashLoopPolicy = {
  backoff: { initialDelay: 100, factor: 2, maxDelay: 400, resetAfter: 60_000 },
  restartLimit: { count: 5, window: 60_000 },
};

/** A crash loop: every instance exits 1 right after start(). Back-off, then the restart limit (exit 124). */
export const crashLoop: Scenario = {
  name: "crash loop with back-off and a restart limit",
  expectedExitCode: 124,
  async run({ sam, interval, report }) {
    await sam.initialize({ interval, recovery: "restart", ...crashLoopPolicy });
    const instanceId = await sam.register();
    report("instance", { instanceId });
    await sam.start();
    process.exit(1);
  },
};

/** An instance that exits with the "failed for good" code is not restarted, whatever the policy. */
export const failedForGood: Scenario = {
  name: "failed for good",
  expectedExitCode: 125,
  async run({ sam, interval, report, fail }) {
    await sam.initialize({ interval, recovery: "restart", noRestartExitCode: 125 });
    const instanceId = await sam.register();
    report("instance", { instanceId });
    if (instanceId !== 1) fail("an instance that exited with 125 was restarted");
    await sam.start();
    process.exit(125);
  },
};
