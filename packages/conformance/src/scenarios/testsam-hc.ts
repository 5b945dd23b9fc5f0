import type { Scenario } from "../scenario-context.js";

/**
 * testsam test_hc (testsam.c:543-618): event-driven checking at 100 ms; the callback stores its
 * count and fails on call 11, so heartbeats stop and the instance is killed; instance 2 reads 11.
 */
export const hc: Scenario = {
  name: "hc",
  testsam: "test_hc",
  expectedExitCode: 0,
  async run({ sam, sleep, check, fail, report }) {
    await sam.initialize({ interval: 100, recovery: "restart" });
    const instanceId = await sam.register();
    report("instance", { instanceId });
    if (instanceId === 1) {
      let count = 0;
      sam.hcCallbackRegister(async () => {
        count++;
        report("callback", { count });
        const bytes = new Uint8Array(4);
        new DataView(bytes.buffer).setInt32(0, count, true);
        await sam.dataStore(bytes);
        return count <= 10;
      });
      await sam.start();
      await sleep(2000);
      fail("instance 1 was not killed after its health-check callback failed");
    }
    check(instanceId === 2, `unexpected instance ${instanceId}`);
    const data = sam.dataRestore(new Uint8Array(4));
    if (data === null) return fail("instance 2 found no data");
    const count = new DataView(data.buffer, data.byteOffset).getInt32(0, true);
    check(count === 11, `instance 2 restored count ${count}, expected 11`);
  },
};
