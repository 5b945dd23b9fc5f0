import type { Scenario } from "../scenario-context.js";

// Exactly `for (;;) {}`, kept out of the bundler's reach: esbuild drops an empty infinite loop.
const spinForever = new Function("for (;;) {}") as () => never;

/**
 * A started instance whose event loop is stuck in `for (;;) {}`. It has a SIGTERM listener, which
 * cannot run, so the warn signal does nothing and SIGKILL follows one interval later; instance 2
 * reports when it runs. The harness compares the times.
 */
export const busyLoop: Scenario = {
  name: "busy loop",
  expectedExitCode: 0,
  async run({ sam, report, registerRestarting }) {
    const instanceId = await registerRestarting();
    if (instanceId === 1) {
      process.on("SIGTERM", () => report("warn-signal-handled"));
      await sam.start();
      sam.hcSend();
      report("last-heartbeat");
      // Stuck: no heartbeat, no timer, no signal listener can run.
      spinForever();
    }
  },
};

/**
 * Event-driven checking whose third callback goes wrong in the given way; the event loop stays
 * alive and free otherwise, so only the missing heartbeats can end the instance.
 */
function healthCheckGoesWrong(name: string, wrong: () => boolean | Promise<boolean>): Scenario {
  return {
    name,
    expectedExitCode: 0,
    async run({ sam, report, registerRestarting }) {
      const instanceId = await registerRestarting();
      if (instanceId !== 1) return;
      process.on("SIGTERM", () => report("warn-signal-handled"));
      let calls = 0;
      sam.hcCallbackRegister(() => {
        calls++;
        if (calls < 3) return true;
        // The loop sends its heartbeat just before calling back: this is the last one.
        report("last-heartbeat", { calls });
        return wrong();
      });
      await sam.start();
      setInterval(() => {}, 1000);
      await new Promise(() => {});
    },
  };
}

export const healthCheckFails = healthCheckGoesWrong("health-check callback fails", () => false);
/** No heartbeat goes out while a callback is pending. */
export const healthCheckHangs = healthCheckGoesWrong("health-check callback never settles", () => new Promise<boolean>(() => {}));
/** A synchronous check that never returns: nothing at all can run. */
export const healthCheckBlocks = healthCheckGoesWrong("health-check callback blocks the event loop", () => spinForever());

/** An instance that ignores its warn signal is SIGKILLed one interval later; quit policy, so 128 + 9. */
export const ignoresWarning: Scenario = {
  name: "instance ignores the warn signal",
  expectedExitCode: 137,
  async run({ sam, interval, report, fail }) {
    await sam.initialize({ interval, recovery: "quit" });
    const instanceId = await sam.register();
    report("instance", { instanceId });
    if (instanceId !== 1) fail(`unexpected instance ${instanceId} under the quit policy`);
    process.on("SIGTERM", () => report("warn-signal-handled"));
    await sam.start();
    sam.hcSend();
    report("last-heartbeat");
    setInterval(() => {}, 1000);
    await new Promise(() => {});
  },
};
