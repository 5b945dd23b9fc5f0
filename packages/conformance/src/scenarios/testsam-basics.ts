import type { Scenario } from "../scenario-context.js";

/** testsam test_basics (testsam.c:60-182): time-outs only while started, restarts, and every call after finalize. */
export const basics: Scenario = {
  name: "basics",
  testsam: "test_basics",
  expectedExitCode: 0,
  async run({ sam, interval, scaled, sleep, check, expectError, fail, report, registerRestarting }) {
    const instanceId = await registerRestarting();
    if (instanceId === 1) {
      await sam.start();
      for (let i = 0; i < 10; i++) {
        await sleep(scaled(1000));
        sam.hcSend();
      }
      report("last-heartbeat");
      await sleep(scaled(3000));
      fail("instance 1 was not killed after its heartbeats stopped");
    }
    if (instanceId === 2) {
      await sam.start();
      for (let i = 0; i < 10; i++) {
        await sleep(scaled(1000));
        sam.hcSend();
      }
      await sam.stop();
      report("stopped");
      await sleep(scaled(3000));
      report("survived-while-stopped");
      await sam.start();
      await sleep(scaled(3000));
      // testsam returns 0 here; samkit also insists on the kill.
      fail("instance 2 was not killed after start() without heartbeats");
    }
    check(instanceId === 3, `unexpected instance ${instanceId}`);
    await expectError("CS_ERR_BAD_HANDLE", () => sam.initialize({ interval, recovery: "restart" }), "initialize() in an instance");
    await sam.start();
    await sam.stop();
    await sam.finalize();
    await expectError("CS_ERR_BAD_HANDLE", () => sam.finalize(), "a second finalize()");
    await expectError("CS_ERR_BAD_HANDLE", () => sam.initialize({ interval: 2, recovery: "restart" }), "initialize() after finalize()");
    await expectError("CS_ERR_BAD_HANDLE", () => sam.start(), "start() after finalize()");
    await expectError("CS_ERR_BAD_HANDLE", () => sam.stop(), "stop() after finalize()");
    await expectError("CS_ERR_BAD_HANDLE", () => sam.register(), "register() after finalize()");
    await expectError("CS_ERR_BAD_HANDLE", () => sam.hcSend(), "hcSend() after finalize()");
    await expectError("CS_ERR_BAD_HANDLE", () => sam.hcCallbackRegister(null), "hcCallbackRegister(null) after finalize()");
  },
};
