import type { Scenario } from "../scenario-context.js";

/**
 * A healthy instance that heartbeats until something outside ends it: the harness kills or stops
 * the supervisor and watches what happens to the instance.
 */
export const healthyUntilStopped: Scenario = {
  name: "healthy until stopped",
  // The instance dies of the supervisor's SIGTERM (no listener): 128 + 15.
  expectedExitCode: 143,
  async run({ sam, interval, report, supervisorPid }) {
    await sam.initialize({ interval, recovery: "restart" });
    const instanceId = await sam.register();
    await sam.start();
    setInterval(() => sam.hcSend(), Math.max(1, Math.floor(interval / 4)));
    report("instance", { instanceId, supervisorPid });
    await new Promise(() => {});
  },
};

/**
 * Heartbeats every interval / 4 until SIGUSR2 tells it to hang: it then sends nothing more (its
 * event loop still runs), as a deadlocked app would. The warn signal ends it; instance 2 is healthy.
 */
export const healthyUntilToldToHang: Scenario = {
  name: "healthy until told to hang",
  expectedExitCode: 143,
  async run({ sam, interval, report, supervisorPid }) {
    await sam.initialize({ interval, recovery: "restart" });
    const instanceId = await sam.register();
    await sam.start();
    const heartbeats = setInterval(() => sam.hcSend(), Math.max(1, Math.floor(interval / 4)));
    process.on("SIGUSR2", () => {
      clearInterval(heartbeats);
      // Alive, but silent: nothing else would keep the event loop going.
      setInterval(() => {}, 60_000);
      report("hung", { instanceId });
    });
    report("instance", { instanceId, supervisorPid });
    await new Promise(() => {});
  },
};

/** An instance exits with 7 while stopped: the supervisor quits with 7 whatever the policy. */
export const exitWhileStopped: Scenario = {
  name: "exit while stopped",
  expectedExitCode: 7,
  async run({ sam, registerRestarting }) {
    await registerRestarting();
    await sam.start();
    await sam.stop();
    process.exit(7);
  },
};

/** An instance exits with 5 while started under the quit policy: the supervisor quits with 5. */
export const exitWhileStartedQuit: Scenario = {
  name: "exit while started, quit policy",
  expectedExitCode: 5,
  async run({ sam, interval, report }) {
    await sam.initialize({ interval, recovery: "quit" });
    const instanceId = await sam.register();
    report("instance", { instanceId });
    await sam.start();
    process.exit(5);
  },
};

/** A signal death is reported as 128 + the signal number (libsam reports 0). */
export const signalWhileStopped: Scenario = {
  name: "killed by a signal while stopped",
  expectedExitCode: 128 + 6,
  async run({ registerRestarting }) {
    await registerRestarting();
    process.kill(process.pid, "SIGABRT");
    await new Promise(() => {});
  },
};

/** markFailed: SIGKILL at once and a quit, even under the restart policy. */
export const markFailed: Scenario = {
  name: "mark failed",
  expectedExitCode: 137,
  async run({ sam, interval, report, fail, sleep, registerRestarting }) {
    const instanceId = await registerRestarting();
    if (instanceId !== 1) fail("markFailed() was followed by a restart");
    await sam.start();
    sam.hcSend();
    report("mark-failed");
    await sam.markFailed();
    await sleep(interval * 3);
    fail("instance survived markFailed()");
  },
};

/**
 * markFailed, and then nothing left to do: the app returns and the runner exits 0, maybe before
 * the SIGKILL lands. A failure the app declared must still not read as success.
 */
export const markFailedThenExit: Scenario = {
  name: "mark failed, then exit 0",
  expectedExitCode: 137,
  async run({ sam, report, fail, registerRestarting }) {
    const instanceId = await registerRestarting();
    if (instanceId !== 1) fail("markFailed() was followed by a restart");
    await sam.start();
    report("mark-failed");
    await sam.markFailed();
  },
};
