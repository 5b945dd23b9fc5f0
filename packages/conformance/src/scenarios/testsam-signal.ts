import type { Scenario } from "../scenario-context.js";

/**
 * testsam test_signal (testsam.c:191-245): the warn signal (SIGTERM) one interval after the last
 * heartbeat, then SIGKILL one interval later; QUIT policy. testsam's verdict is exit 0 (libsam's
 * WEXITSTATUS of a signal death); samkit gives 128 + 9.
 */
export const signal: Scenario = {
  name: "signal",
  testsam: "test_signal",
  expectedExitCode: 137,
  async run({ sam, interval, scaled, sleep, fail, report }) {
    await sam.initialize({ interval, recovery: "quit" });
    const instanceId = await sam.register();
    report("instance", { instanceId });
    if (instanceId !== 1) fail(`unexpected instance ${instanceId} under the quit policy`);
    let delivered = false;
    process.on("SIGTERM", () => {
      delivered = true;
      report("warn-signal", { signal: "SIGTERM" });
    });
    await sam.start();
    await sleep(scaled(1000));
    sam.hcSend();
    report("last-heartbeat");
    while (!delivered) await sleep(scaled(1000));
    await sleep(scaled(3000));
    fail("instance 1 survived the SIGKILL that should follow its warn signal");
  },
};
