import type { Scenario } from "../scenario-context.js";

/** testsam test_smoke (testsam.c:248-292): interval 0, 99 crashes (SIGSEGV) while started, each restarted. */
export const smoke: Scenario = {
  name: "smoke",
  testsam: "test_smoke",
  expectedExitCode: 0,
  async run({ sam, report, check }) {
    await sam.initialize({ interval: 0, recovery: "restart" });
    const instanceId = await sam.register();
    if (instanceId < 100) {
      await sam.start();
      process.kill(process.pid, "SIGSEGV");
      // The signal is delivered asynchronously; nothing after this line should run.
      await new Promise(() => {});
    }
    check(instanceId === 100, `expected to end at instance 100, got ${instanceId}`);
    report("instance", { instanceId });
  },
};
