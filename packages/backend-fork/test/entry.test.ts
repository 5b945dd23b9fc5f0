// Entries and environments a user will hit: loaders, CommonJS, nested samkit programs, refused entries.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { entryCommand, formatInstanceMarker, parseInstanceMarker as parseMarker } from "@samkit/backend-kit";

/** A port nobody listens on right now. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, args, { encoding: "utf8", input, timeout: 20_000, cwd: fileURLToPath(new URL(".", import.meta.url)) });

describe("entries", () => {
  it("re-runs a TypeScript entry through the same loader (--import tsx)", () => {
    const result = run(["--import", "tsx", fixture("typescript-entry.ts")]);
    expect(result.stdout).toContain("instance 1 of 2 via --import tsx");
    expect(result.stdout).toContain("instance 2 of 2 via --import tsx");
    expect(result.status, result.stderr).toBe(11);
  });

  it("passes the arguments to each instance exactly, with no shell in between", () => {
    const marker = `/tmp/samkit-no-shell-${process.pid}`;
    const tricky = [`$(touch ${marker})`, "`id`", "a b", "*", "; exit 3", "'quoted'", "$HOME"];
    const result = run([fixture("echo-arguments.mjs"), ...tricky]);
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual(tricky);
    expect(existsSync(marker)).toBe(false);
  });

  it("works from CommonJS with require()", () => {
    const result = run([fixture("commonjs-entry.cjs")]);
    expect(result.stdout).toContain("commonjs instance 1 function");
    expect(result.status, result.stderr).toBe(21);
  });

  it("refuses node -e, which cannot be re-run", () => {
    const code = `
      const { createSam } = require("@samkit/core");
      const { forkBackend } = require("@samkit/backend-fork");
      const sam = createSam({ backend: forkBackend() });
      sam.initialize({ interval: 100, recovery: "quit" }).then(() => sam.register()).catch((error) => {
        console.log(error.code, error.message); process.exit(0);
      });`;
    const result = run(["-e", code]);
    expect(result.stdout).toMatch(/^CS_ERR_NOT_SUPPORTED .*node -e/);
  });

  it("refuses a script on standard input", () => {
    const code = `
      import { createSam } from "@samkit/core";
      import { forkBackend } from "@samkit/backend-fork";
      const sam = createSam({ backend: forkBackend() });
      await sam.initialize({ interval: 100, recovery: "quit" });
      try { await sam.register(); } catch (error) { console.log(error.code); }`;
    const result = run(["--input-type=module", "-"], code);
    expect(result.stdout.trim(), result.stderr).toBe("CS_ERR_NOT_SUPPORTED");
  });

  it("refuses register() from a worker thread", () => {
    const result = run([fixture("worker-register.mjs")]);
    expect(result.stdout, result.stderr).toMatch(/^CS_ERR_NOT_SUPPORTED: .*main thread/);
  });

  it("never takes an instance's own child for an instance", () => {
    const result = run([fixture("spawns-child.mjs")]);
    expect(result.stdout).toContain("instance 1 marker=none");
    expect(result.stdout).toContain("child role=supervisor marker=none");
    expect(result.status, result.stderr).toBe(0);
  });

  it("an instance whose supervisor died before it started ends; it does not become a supervisor", async () => {
    // A supervisor killed while its instance (or its standby spare) boots: the instance is
    // re-parented, with the marker naming a dead PID and a channel whose other end is closed.
    const dead = spawnSync("true");
    const child = spawn(process.execPath, [fixture("echo-arguments.mjs")], {
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      env: { ...process.env, SAMKIT_FORK_CHANNEL: `3:${dead.pid}` },
    });
    (child.stdio[3] as Socket).destroy();
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(output).toMatch(new RegExp(`the supervisor \\(PID ${dead.pid}\\) is gone; instance PID ${child.pid} exits`));
    expect(output).not.toContain("[]");
    expect(code).toBe(1);
  });

  it("kills an instance that breaks the channel protocol, with a clear reason", () => {
    const result = run([fixture("garbage-on-channel.mjs")]);
    expect(result.stdout).toContain("instance 1 writes garbage");
    expect(result.stdout).toMatch(/supervisor error: instance 1 broke the channel protocol \(unknown frame type 0x7f\); it is killed/);
    expect(result.status).toBe(137);
  });
});

/** Alive and not a zombie waiting for init to reap it. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("warm standby", () => {
  it("promotes the parked spare with the id, data and warn signal; falls back to a cold start without one; leaves no spare behind", () => {
    const result = run([fixture("standby-handover.mjs")]);
    const events = result.stdout.split("\n").filter((line) => line.startsWith("event ")).map((line) => JSON.parse(line.slice(6)));
    const instances = [...result.stdout.matchAll(/^instance (\d) pid=(\d+) started-as=(\w+) data=(.*)$/gm)].map((match) => ({ id: Number(match[1]), pid: Number(match[2]), startedAs: match[3], data: match[4] }));
    const spares = events.filter((event) => event.type === "standby").map((event) => event.pid as number);
    const spawns = events.filter((event) => event.type === "spawn");
    expect(instances.map((instance) => instance.id), result.stdout + result.stderr).toEqual([1, 2, 3]);
    // Instance 2 is the spare started for instance 1, promoted, with instance 1's data.
    expect(spawns.map((event) => event.standby)).toEqual([false, true, false]);
    // Only the spare was started with the spare's marker (it rehearses its promotion while parked).
    expect(instances.map((instance) => instance.startedAs)).toEqual(["instance", "spare", "instance"]);
    expect(instances[1]!.pid).toBe(spares[0]);
    expect(spawns[1].pid).toBe(spares[0]);
    expect(instances[0]!.data).toBe("none");
    expect(instances[1]!.data).toBe("from instance 1");
    expect(instances[2]!.data).toBe("from instance 1");
    // The warn signal set by instance 1 is the one the promoted spare gets.
    expect(events.find((event) => event.type === "signal")).toMatchObject({ instanceId: 2, signal: "SIGUSR2", reason: "timeout" });
    // The killed spare is reported, and instance 3 is a cold start (not the dead spare).
    expect(events.some((event) => event.type === "error" && /standby instance \(PID \d+\) ended \(SIGKILL\) before it was needed/.test(event.message))).toBe(true);
    expect(spares.length).toBe(3);
    expect(instances[2]!.pid).not.toBe(spares[1]);
    expect(result.status, result.stderr).toBe(0);
    // The spare started for instance 3 was taken down with the supervisor.
    for (const pid of spares) expect(running(pid), `spare ${pid} outlived the supervisor`).toBe(false);
  });
});

describe("a parked spare whose supervisor is killed", () => {
  it("reads the end of its channel and exits by itself", async () => {
    const supervisor = spawn(process.execPath, [fixture("standby-orphan.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const spare = await new Promise<number>((resolve, reject) => {
        let output = "";
        supervisor.stdout!.setEncoding("utf8").on("data", (text: string) => {
          output += text;
          const match = /spare (\d+)/.exec(output);
          if (match) resolve(Number(match[1]));
        });
        supervisor.on("exit", () => reject(new Error(`the supervisor ended first: ${output}`)));
      });
      // Parked: blocked in the read of its welcome.
      const parkedBy = Date.now() + 10_000;
      while (Date.now() < parkedBy && !/read/.test(readFileSync(`/proc/${spare}/wchan`, "utf8"))) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(readFileSync(`/proc/${spare}/wchan`, "utf8")).toMatch(/read/);
      supervisor.kill("SIGKILL");
      const killedAt = Date.now();
      while (running(spare) && Date.now() - killedAt < 5000) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(running(spare), `spare ${spare} outlived its killed supervisor`).toBe(false);
      expect(Date.now() - killedAt).toBeLessThan(2000);
    } finally {
      supervisor.kill("SIGKILL");
    }
  });
});

describe("warm standby and the instance before", () => {
  it("runs a promoted spare only once the instance it follows is gone: its port is free", async () => {
    const rounds = 8;
    const result = run([fixture("standby-port.mjs"), String(await freePort()), String(rounds)]);
    expect(result.stdout, result.stderr).not.toMatch(/EADDRINUSE/);
    expect(result.stdout.match(/listening/g)?.length, result.stdout + result.stderr).toBe(rounds);
    // Every restart was a promotion, or the test proves nothing.
    expect(result.stdout.match(/spawn standby=true/g)?.length).toBe(rounds);
    expect(result.status, result.stderr).toBe(0);
  });
});

describe("the exit notice", () => {
  it("judges an exit when the instance gives notice, not after its tear-down; runs the next one only after it; kills a tear-down that hangs", () => {
    const started = Date.now();
    const result = run([fixture("slow-teardown.mjs")]);
    const elapsed = Date.now() - started;
    expect(result.stdout, result.stderr).toContain("exit of instance 1: code 5");
    expect(result.stdout).toContain("instance 1 still tearing down at the spawn of instance 2: true");
    expect(result.stdout).toMatch(/instance 1 \(\d+\) gone when instance 2 registered: true/);
    expect(result.stdout).toContain("exit of instance 2: code 6");
    // Instance 2 was not started, so its exit quits the supervisor with its code, once its hung
    // tear-down was cut short (1 s of grace).
    expect(result.status, result.stderr).toBe(6);
    const second = Number(/instance 2 pid=(\d+)/.exec(result.stdout)?.[1]);
    expect(running(second)).toBe(false);
    expect(elapsed).toBeGreaterThan(1000);
    expect(elapsed).toBeLessThan(15_000);
  });
});

describe("timed heartbeats", () => {
  it("does not believe a heartbeat's stamp that is far off: the instance is timed from arrival", () => {
    const result = run([fixture("stamped-heartbeats.mjs")]);
    expect(result.stdout, result.stderr).toContain("healthy for 20 beats; now hangs");
    const warning = /signal SIGTERM \(timeout\) ([\d.]+) ms after the last message/.exec(result.stdout);
    expect(warning, result.stdout).not.toBeNull();
    // One interval (300 ms) after the last heartbeat arrived, not at once and not an hour later.
    expect(Number(warning![1])).toBeGreaterThanOrEqual(299);
    expect(Number(warning![1])).toBeLessThan(400);
    expect(result.status).toBe(143);
  });
});

describe("entryCommand", () => {
  it("runs the same executable, flags and arguments, without inspector flags", () => {
    const script = fileURLToPath(import.meta.url);
    expect(entryCommand("@samkit/backend-fork", "/usr/bin/node", ["--import", "tsx", "--inspect=9229", "--inspect-brk", "--max-old-space-size=64"], ["/usr/bin/node", script, "--port", "80"], true)).toEqual({
      command: "/usr/bin/node",
      args: ["--import", "tsx", "--max-old-space-size=64", script, "--port", "80"],
    });
  });

  it("drops inspector flags from NODE_OPTIONS too: no instance opens a debug port", () => {
    const result = spawnSync(process.execPath, [fixture("inspector-in-instance.mjs")], {
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, NODE_OPTIONS: '--inspect=127.0.0.1:0 --max-old-space-size=200 --inspect-port 0 --title="a b"' },
    });
    expect(result.stdout).toBe('instance 1: inspector closed, NODE_OPTIONS "--max-old-space-size=200 --title=\\"a b\\""\n');
    expect(result.status, result.stderr).toBe(0);
  });

  it("refuses what cannot be re-run", () => {
    expect(() => entryCommand("@samkit/backend-fork", "/usr/bin/node", ["-e", "1"], ["/usr/bin/node"], true)).toThrowError(expect.objectContaining({ code: "CS_ERR_NOT_SUPPORTED" }));
    expect(() => entryCommand("@samkit/backend-fork", "/usr/bin/node", [], ["/usr/bin/node"], true)).toThrowError(expect.objectContaining({ code: "CS_ERR_NOT_SUPPORTED" }));
    expect(() => entryCommand("@samkit/backend-fork", "/usr/bin/node", [], ["/usr/bin/node", "/no/such/script.js"], true)).toThrowError(/does not exist/);
    expect(() => entryCommand("@samkit/backend-fork", "/usr/bin/node", [], ["/usr/bin/node", fileURLToPath(import.meta.url)], false)).toThrowError(/main thread/);
  });
});

describe("the instance marker", () => {
  it("counts only when the parent is the supervisor it names", () => {
    expect(parseMarker("3:1234", 1234)).toEqual({ fd: 3, supervisorPid: 1234, spare: false });
    for (const marker of [{ fd: 3, supervisorPid: 1234, spare: false }, { fd: 3, supervisorPid: 1234, spare: true, dataFd: 4 }]) expect(parseMarker(formatInstanceMarker(marker), 1234)).toEqual(marker);
    expect(parseMarker("3:1234:spare", 1234)).toEqual({ fd: 3, supervisorPid: 1234, spare: true });
    expect(parseMarker("3:1234:data4", 1234)).toEqual({ fd: 3, supervisorPid: 1234, spare: false, dataFd: 4 });
    expect(parseMarker("3:1234:spare:data4", 1234)).toEqual({ fd: 3, supervisorPid: 1234, spare: true, dataFd: 4 });
    expect(parseMarker("3:1234:data3", 1234)).toBeUndefined();
    expect(parseMarker("3:1234:data2", 1234)).toBeUndefined();
    expect(parseMarker("3:1234:data4:spare", 1234)).toBeUndefined();
    expect(parseMarker("3:1234", 999)).toBeUndefined();
    expect(parseMarker(undefined, 1234)).toBeUndefined();
    expect(parseMarker("2:1234", 1234)).toBeUndefined();
    expect(parseMarker("3:1234:extra", 1234)).toBeUndefined();
    expect(parseMarker("x:1234", 1234)).toBeUndefined();
  });

  it("still counts when the supervisor it names is gone: an orphaned instance ends, it does not become a supervisor", () => {
    expect(parseMarker("3:1234", 1, () => false)).toEqual({ fd: 3, supervisorPid: 1234, spare: false });
    expect(parseMarker("3:1234", 1, () => true)).toBeUndefined();
  });
});
