// The three-process layout on the real libsam: the PID the user started is libsam's server
// (sam-agent), its exit code follows backend-fork's rules, a relay or agent killed with SIGKILL
// leaves nothing behind, and only the user's descriptors plus the channel reach Node.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { release } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { processGone } from "@samkit/conformance";

const app = fileURLToPath(new URL("./fixtures/process-model.mjs", import.meta.url));

function start(args: string[], socketActivation = false) {
  // Socket activation as systemd does it: descriptor 3, LISTEN_FDS=1 and LISTEN_PID naming the process.
  const child = socketActivation
    ? spawn("/bin/sh", ["-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"', process.execPath, app, ...args], { stdio: ["ignore", "pipe", "pipe", "pipe"] })
    : spawn(process.execPath, [app, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: Record<string, unknown>[] = [];
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    output += text;
    for (const line of text.split("\n")) if (line.startsWith("{")) lines.push(JSON.parse(line));
  });
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const waitFor = async (predicate: (line: Record<string, unknown>) => boolean, timeout = 15_000) => {
    const started = Date.now();
    for (;;) {
      const found = lines.find(predicate);
      if (found) return found;
      if (Date.now() - started > timeout) throw new Error(`nothing matched in:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  return { child, exited, waitFor, output: () => output };
}

/** What each descriptor of a process refers to (readlink of /proc/<pid>/fd/<fd>). */
function targets(pid: number): Map<number, string> {
  const found = new Map<number, string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      found.set(Number(fd), readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // Closed meanwhile.
    }
  }
  return found;
}

/** The scheduler's time slice of a thread, in nanoseconds (from its /proc sched file). */
function sliceOf(schedFile: string): number {
  const found = /^se\.slice\s*:\s*(\d+)/m.exec(readFileSync(schedFile, "utf8"));
  if (!found) throw new Error(`no se.slice in ${schedFile}`);
  return Number(found[1]);
}

const parentOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
};

async function gone(pid: number, within: number): Promise<number> {
  const started = performance.now();
  while (!processGone(pid) && performance.now() - started < within + 2000) await new Promise((resolve) => setTimeout(resolve, 1));
  return performance.now() - started;
}

describe("the process model", () => {
  it("the PID the user started becomes libsam's server (sam-agent); the instance runs under its relay", async () => {
    const run = start(["idle"]);
    const instance = await run.waitFor((line) => line.state === "running");
    const started = run.child.pid!;
    expect(readFileSync(`/proc/${started}/comm`, "utf8").trim()).toBe("sam-agent");
    expect(instance.supervisorPid).toBe(started);
    const relay = instance.ppid as number;
    expect(parentOf(relay)).toBe(started);
    expect(readFileSync(`/proc/${relay}/comm`, "utf8").trim()).toBe("sam-agent");
    run.child.kill("SIGKILL");
    await run.exited;
  });

  it("libsam's server times a started instance with a timerfd armed for the interval (poll's time-out would expire up to 0.1 % late)", async () => {
    const run = start(["idle"]);
    try {
      const instance = await run.waitFor((line) => line.state === "running");
      const timers = (pid: number) => [...targets(pid)].filter(([, target]) => target === "anon_inode:[timerfd]").map(([fd]) => fd);
      const agent = run.child.pid!;
      const [timer, ...others] = timers(agent);
      expect(timer, "the agent has no timerfd").toBeDefined();
      expect(others).toEqual([]);
      // The relay does not keep the server's timer.
      expect(timers(instance.ppid as number)).toEqual([]);
      // Heartbeats every 50 ms re-arm it for the 200 ms interval: it is always armed, never more than 200 ms ahead.
      const remaining: number[] = [];
      for (let look = 0; look < 10; look++) {
        const info = readFileSync(`/proc/${agent}/fdinfo/${timer}`, "utf8");
        expect(info).toMatch(/^clockid:\s*1$/m);
        const [, seconds, nanoseconds] = /^it_value:\s*\((\d+),\s*(\d+)\)/m.exec(info)!;
        remaining.push(Number(seconds) * 1000 + Number(nanoseconds) / 1e6);
        await new Promise((resolve) => setTimeout(resolve, 23));
      }
      for (const left of remaining) {
        expect(left).toBeGreaterThan(0);
        expect(left).toBeLessThanOrEqual(200);
      }
    } finally {
      run.child.kill("SIGKILL");
      await run.exited;
    }
  });

  // Custom time slices for SCHED_OTHER came with Linux 6.12; older kernels ignore the request.
  const [major = 0, minor = 0] = release().split(".").map(Number);
  it.skipIf(major < 6 || (major === 6 && minor < 12))("the agent and the relay's threads ask for a 0.1 ms time slice; Node keeps the one it was started with", async () => {
    const run = start(["idle"]);
    try {
      const instance = await run.waitFor((line) => line.state === "running");
      const slices = (pid: number) => readdirSync(`/proc/${pid}/task`).map((task) => sliceOf(`/proc/${pid}/task/${task}/sched`));
      expect(slices(run.child.pid!)).toEqual([100_000]);
      const relay = slices(instance.ppid as number);
      expect(relay.length).toBeGreaterThanOrEqual(2);
      expect(new Set(relay)).toEqual(new Set([100_000]));
      // Every thread of Node has the slice this test runner has.
      expect(new Set(slices(instance.pid as number))).toEqual(new Set([sliceOf("/proc/self/sched")]));
    } finally {
      run.child.kill("SIGKILL");
      await run.exited;
    }
  });

  it.each([
    ["an exit while stopped gives its code", ["exit-stopped", "7"], 7],
    ["a signal death while stopped gives 128 + signal", ["abort"], 134],
  ])("%s, as with backend-fork", async (_name, args, code) => {
    const run = start(args);
    expect((await run.exited).code, run.output()).toBe(code);
  });

  it("kill -9 of the relay: the Node instance is gone within 100 ms and libsam starts a new one", async () => {
    const run = start(["idle"]);
    const first = await run.waitFor((line) => line.instanceId === 1);
    process.kill(first.ppid as number, "SIGKILL");
    const elapsed = await gone(first.pid as number, 100);
    expect(elapsed, `instance took ${elapsed.toFixed(1)} ms to go`).toBeLessThan(100);
    const second = await run.waitFor((line) => line.instanceId === 2);
    expect(second.supervisorPid).toBe(run.child.pid);
    run.child.kill("SIGKILL");
    await run.exited;
    await gone(second.pid as number, 1000);
    console.log(`kill -9 of the relay: the instance was gone ${elapsed.toFixed(1)} ms later`);
  });

  it("libsam's SIGKILL of a hung instance takes all it started: children in its group, after setsid(), a double-forked daemon", async () => {
    const name = `1000.${process.pid}`;
    const sleeps = () =>
      readdirSync("/proc").filter((entry) => {
        try {
          return /^\d+$/.test(entry) && readFileSync(`/proc/${entry}/cmdline`, "utf8") === `sleep\0${name}\0` && !/\) Z/.test(readFileSync(`/proc/${entry}/stat`, "utf8"));
        } catch {
          return false;
        }
      });
    const run = start(["hang-leaving", name]);
    try {
      await run.waitFor((line) => line.state === "hanging");
      for (let round = 0; sleeps().length < 3 && round < 200; round++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(sleeps()).toHaveLength(3);
      await run.waitFor((line) => line.instanceId === 2);
      expect(sleeps(), "children of the killed instance still run").toEqual([]);
    } finally {
      for (const pid of sleeps()) process.kill(Number(pid), "SIGKILL");
      run.child.kill("SIGKILL");
    }
  });

  it("kill -9 of the agent: the instance is gone within one second", async () => {
    const run = start(["idle"]);
    const first = await run.waitFor((line) => line.instanceId === 1);
    run.child.kill("SIGKILL");
    const elapsed = await gone(first.pid as number, 1000);
    expect(elapsed, `instance took ${elapsed.toFixed(1)} ms to go`).toBeLessThan(1000);
    expect(await gone(first.ppid as number, 1000), "the relay outlived the agent by a second").toBeLessThan(1000);
    console.log(`kill -9 of the agent: the instance was gone ${elapsed.toFixed(1)} ms later`);
  });

  it("only standard I/O, systemd's sockets, the channel and the data file reach Node, and none reaches Node's children", async () => {
    const run = start(["fds"], true);
    const report = await run.waitFor((line) => line.fds !== undefined);
    const fds = report.fds as Record<string, string>;
    // What libsam and the relay hold (beyond what the user's process had): none of it may reach Node.
    const relay = report.ppid as number;
    const original = new Set((await run.waitFor((line) => line.original !== undefined)).original as string[]);
    const held = new Set([...targets(run.child.pid!), ...targets(relay)].map(([, target]) => target).filter((target) => !original.has(target)));
    expect(held.size).toBeGreaterThan(0);
    // The data file is the one the agent made for Node, on the first descriptor after the channel.
    expect(fds["5"]).toMatch(/^\/memfd:samkit-data/);
    const leaked = Object.entries(fds).filter(([fd, target]) => held.has(target) && fd !== "5");
    expect(leaked, "libsam's or the relay's descriptors in the instance").toEqual([]);
    // The socket-activation descriptor 3 is there, named for the instance; the channel is the first descriptor after it.
    expect(original.has(fds["3"]!)).toBe(true);
    expect(report.listenPid).toBe(report.pid);
    expect(report.listenFds).toBe("1");
    expect(fds["4"]).toMatch(/^socket:/);
    expect(fds["4"]).not.toBe(fds["3"]);
    // Node's own children get neither (Node opens everything close-on-exec).
    expect((report.childFds as string[]).filter((target) => target === fds["3"] || target === fds["4"] || target === fds["5"])).toEqual([]);
    expect((await run.exited).code, run.output()).toBe(0);
  });
});
