import type { Scenario } from "../scenario-context.js";

/**
 * testsam test_finalize_deadlock (testsam.c:885-934): finalize() while started must return (it
 * stops first); a timer ends the instance later either way. Instance 2 exists only if finalize hung.
 */
export const finalizeDeadlock: Scenario = {
  name: "finalize deadlock",
  testsam: "test_finalize_deadlock",
  expectedExitCode: 0,
  async run({ sam, scaled, fail, report, registerRestarting }) {
    const instanceId = await registerRestarting();
    if (instanceId !== 1) fail("the previous finalize() deadlocked");
    setTimeout(() => process.exit(0), scaled(5000));
    await sam.start();
    await sam.finalize();
    report("finalized");
  },
};
