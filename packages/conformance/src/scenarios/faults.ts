import { spawn } from "node:child_process";
import type { Scenario } from "../scenario-context.js";

/** Every signal a process may catch (SIGKILL and SIGSTOP are not). */
const catchable: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR2", "SIGALRM", "SIGPIPE", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGXCPU", "SIGXFSZ", "SIGCONT", "SIGTRAP"];

/** An instance that ignores every catchable signal and stops heartbeating: only SIGKILL ends it. */
export const ignoresEverything: Scenario = {
  name: "instance ignores every catchable signal",
  expectedExitCode: 137,
  async run({ sam, interval, report, fail }) {
    await sam.initialize({ interval, recovery: "quit" });
    const instanceId = await sam.register();
    if (instanceId !== 1) fail("restarted under the quit policy");
    for (const signal of catchable) process.on(signal, () => report("ignored", { signal }));
    await sam.start();
    sam.hcSend();
    report("last-heartbeat");
    setInterval(() => {}, 1000);
    await new Promise(() => {});
  },
};

/** Instance 1 starts children (in its process group) and crashes; they must not outlive it. */
export const forksAndDies: Scenario = {
  name: "instance forks children and dies",
  expectedExitCode: 0,
  async run({ sam, report, registerRestarting }) {
    const instanceId = await registerRestarting();
    if (instanceId === 1) {
      await sam.start();
      const children = Array.from({ length: 3 }, () => spawn("sleep", ["60"], { stdio: "ignore" }));
      // A grandchild too, one level further down.
      const grandparent = spawn("/bin/sh", ["-c", "sleep 60 & echo $!; wait"], { stdio: ["ignore", "pipe", "ignore"] });
      const grandchild = await new Promise<number>((resolve) => grandparent.stdout!.once("data", (text: Buffer) => resolve(Number(text.toString().trim()))));
      report("children", { pids: [...children.map((child) => child.pid), grandparent.pid, grandchild] });
      process.exit(1);
    }
  },
};

/** Heartbeats as fast as the instance can send them for two seconds: no false time-out. */
export const heartbeatFlood: Scenario = {
  name: "heartbeat flood",
  expectedExitCode: 0,
  async run({ sam, interval, report, sleep }) {
    await sam.initialize({ interval, recovery: "quit" });
    await sam.register();
    await sam.start();
    let sent = 0;
    const until = Date.now() + 2000;
    report("flooding");
    while (Date.now() < until) {
      for (let index = 0; index < 2000; index++) sam.hcSend();
      sent += 2000;
      // Let the event loop write what is queued.
      await new Promise((resolve) => setImmediate(resolve));
    }
    report("flooded", { sent });
    // Then silence but for slow heartbeats, long enough for a queued backlog to show as a late time-out.
    for (let index = 0; index < 8; index++) {
      await sleep(interval / 4);
      sam.hcSend();
    }
    await sam.stop();
  },
};

/** A crash storm under the restart limit (no back-off): it holds, and the supervisor stays calm. */
export const crashStorm: Scenario = {
  name: "crash storm",
  expectedExitCode: 124,
  async run({ sam, interval }) {
    await sam.initialize({ interval, recovery: "restart", restartLimit: { count: 30, window: 60_000 } });
    await sam.register();
    await sam.start();
    process.exit(3);
  },
};

/**
 * Random bytes on the channel: instance n writes input n (seeded by its id) and waits. Each bad
 * input must end that instance with a clear log line, never the supervisor, which restarts the next.
 * Interval 0 and no start(): only the channel's parser decides. The last instance exits 0.
 */
export const channelGarbage: Scenario = {
  name: "random bytes on the channel",
  expectedExitCode: 0,
  async run({ sam, args, report }) {
    const inputs = Number(args[0] ?? "20");
    await sam.initialize({ interval: 0, recovery: "restart" });
    const instanceId = await sam.register();
    if (instanceId > inputs) {
      report("survived", { instanceId });
      return;
    }
    // The channel is the descriptor the backend opened for register(); find it by its marker.
    const { readdirSync, readlinkSync, writeSync } = await import("node:fs");
    const sockets = readdirSync("/proc/self/fd").map(Number).filter((fd) => fd > 2 && fd < 16 && /^socket:/.test(readlinkSync(`/proc/self/fd/${fd}`)));
    let state = instanceId * 2654435761;
    // At least a header: fewer bytes are a frame still arriving, which the supervisor rightly waits for.
    const bytes = Buffer.from(Array.from({ length: 5 + (instanceId % 61) }, () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 16) & 0xff));
    // The first byte picks no known frame type: 0x10 to 0x7f and 0xa0 and up are unknown to both ends.
    bytes[0] = 0x10 + (bytes[0]! % 0x70);
    await sam.start();
    report("garbage", { instanceId, bytes: bytes.toString("hex"), channel: sockets[0] });
    writeSync(sockets[0]!, bytes);
    setInterval(() => {}, 1000);
    await new Promise(() => {});
  },
};
