import type { Scenario } from "../scenario-context.js";

const counter = (value: number) => {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value, true);
  return bytes;
};

/**
 * testsam test_warn_signal (testsam.c:631-757). SIGUSR2 stands for testsam's SIGUSR1, which Node
 * keeps for its inspector. The handler's dataStore() re-arms the supervisor's timer, so SIGKILL
 * comes one interval after it; a warn signal of SIGKILL means no warning at all.
 */
export const warnSignal: Scenario = {
  name: "warn_signal",
  testsam: "test_warn_signal",
  expectedExitCode: 0,
  async run({ sam, scaled, sleep, check, fail, report, registerRestarting }) {
    const instanceId = await registerRestarting();
    let delivered = 0;
    const onSignal = () => {
      delivered++;
      report("warn-signal", { signal: "SIGUSR2" });
      void sam.dataStore(counter(delivered));
    };
    if (instanceId === 1) {
      await sam.warnSignalSet("SIGUSR2");
      process.on("SIGUSR2", onSignal);
      await sam.start();
      await sleep(scaled(1000));
      sam.hcSend();
      report("last-heartbeat");
      while (delivered === 0) await sleep(scaled(1000));
      await sleep(scaled(3000));
      fail("instance 1 was not killed after its warn signal");
    }
    const stored = sam.dataRestore();
    if (stored === null || stored.byteLength !== 4) return fail("no counter was stored by the warn-signal handler");
    const value = new DataView(stored.buffer).getInt32(0, true);
    if (instanceId === 2) {
      check(value === 1, `instance 2 restored ${value}, expected 1`);
      await sam.warnSignalSet("SIGKILL");
      process.on("SIGUSR2", onSignal);
      await sam.start();
      await sleep(scaled(1000));
      sam.hcSend();
      report("last-heartbeat");
      while (delivered === 0) await sleep(scaled(1000));
      fail("instance 2 got SIGUSR2 although the warn signal was set to SIGKILL");
    }
    check(instanceId === 3, `unexpected instance ${instanceId}`);
    check(value === 1, `instance 3 restored ${value}, expected 1: a SIGUSR2 reached instance 2`);
  },
};
