// The real samctl binary, driven as a user would.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cmapKeys, corosyncUnavailableReason } from "@samkit/conformance";
import { describe, expect, it } from "vitest";

const samctl = fileURLToPath(new URL("../dist/samctl.js", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const run = (args: string[], timeout = 30_000) => spawnSync(process.execPath, [samctl, ...args], { encoding: "utf8", timeout });

describe("samctl run", () => {
  it("exit codes propagate: the program's own, 128 + signal for a signal death", () => {
    expect(run(["run", "--log", "none", "--", "sh", "-c", "exit 7"]).status).toBe(7);
    expect(run(["run", "--log", "none", "--", "sh", "-c", "kill -USR2 $$"]).status).toBe(128 + 12);
    expect(run(["run", "--log", "none", "--", "true"]).status).toBe(0);
  });

  it("a command that cannot be run: 127", () => {
    const result = run(["run", "--log", "json", "--", "/no/such/program"]);
    expect(result.status).toBe(127);
    expect(result.stderr).toMatch(/could not be started/);
  });

  it("a Node program using samkit attaches to samctl; its hang is warned, killed and restarted", () => {
    const result = run(["run", "--interval", "300ms", "--log", "json", "--", process.execPath, fixture("hangs-once.mjs")]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/instance 1 of samctl \d+\nhanging\ninstance 2 of samctl \d+/);
    const events = result.stderr.trim().split("\n").map((line) => JSON.parse(line) as { type: string; signal?: string; reason?: string });
    expect(events.filter((event) => event.type === "signal").map((event) => `${event.signal} ${event.reason}`)).toEqual(["SIGTERM timeout"]);
    expect(events.filter((event) => event.type === "spawn")).toHaveLength(2);
  });

  it("a program that never calls start() is watched for its death only: its exit ends samctl with its code", () => {
    expect(run(["run", "--log", "none", "--", "sh", "-c", "sleep 0.1; exit 1"]).status).toBe(1);
  });

  it("the restart limit and the back-off are on by default: a crash loop ends with 124 and says why", () => {
    const result = run(["run", "--log", "text", "--", process.execPath, fixture("crashes.mjs")]);
    expect(result.status).toBe(124);
    expect(result.stdout.trim().split("\n")).toEqual(["instance 1", "instance 2", "instance 3", "instance 4", "instance 5", "instance 6"]);
    expect(result.stderr).toMatch(/samkit: instance 6 ended \(exit code 1\) after 5 restarts within 10000 ms: the restart limit is hit, giving up with exit code 124/);
  });

  it("the output of the program passes through untouched", () => {
    const result = run(["run", "--log", "none", "--", "sh", "-c", "printf 'out\\n'; printf 'err\\n' >&2"]);
    expect(result.stdout).toBe("out\n");
    expect(result.stderr).toBe("err\n");
  });
});

describe("probes", () => {
  const probeRun = (probe: string[], program: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [samctl, "run", "--interval", "300ms", "--log", "json", ...probe, "--", ...program], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        // Stop samctl once the restarted program has said it runs.
        if (stdout.trim().split("\n").length >= 2) child.kill("SIGTERM");
      });
      child.stderr.on("data", (chunk) => (stderr += chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("exit", (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });

  it("an HTTP probe that fails gets the program warned and restarted", async () => {
    const port = 20_000 + (process.pid % 20_000);
    const result = await probeRun(["--health-http", `http://127.0.0.1:${port}/healthz`], [process.execPath, fixture("degrading-server.mjs"), String(port)]);
    expect(result.stdout).toMatch(/serving on \d+\nserving on \d+/);
    const signals = result.stderr.trim().split("\n").map((line) => JSON.parse(line)).filter((event) => event.type === "signal");
    expect(signals[0]).toMatchObject({ signal: "SIGTERM", reason: "timeout", instanceId: 1 });
    expect(result.status).toBe(143);
  });

  it("a command probe that stops passing gets the program restarted; no shell is involved", async () => {
    const flag = `/tmp/samkit-probe-${process.pid}`;
    const result = await probeRun(["--health-cmd", `test -e ${flag}`], ["sh", "-c", `touch ${flag}; echo started; sleep 0.6; rm -f ${flag}; sleep 60`]);
    expect(result.stdout).toMatch(/started\nstarted/);
    expect(result.stderr).toMatch(/"type":"signal".*"reason":"timeout"/);
  });

  it("a shell script that stops writing heartbeats (touching a file) is warned and restarted", async () => {
    const beat = `/tmp/samkit-heartbeat-${process.pid}`;
    const script = `echo started; for i in 1 2 3 4 5 6; do touch ${beat}; sleep 0.1; done; echo silent >&2; sleep 60`;
    const result = await probeRun(["--health-file", beat], ["sh", "-c", script]);
    expect(result.stdout).toMatch(/started\nstarted/);
    const signals = result.stderr.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line)).filter((event) => event.type === "signal");
    expect(signals[0]).toMatchObject({ signal: "SIGTERM", reason: "timeout", instanceId: 1 });
    rmSync(beat, { force: true });
  });

  it("a TCP probe passes while the port accepts", async () => {
    const port = 40_000 + (process.pid % 20_000);
    const server = spawn(process.execPath, ["-e", `require("net").createServer(() => {}).listen(${port}, "127.0.0.1")`]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Probed programs count as started, so an exit is a recovery: quit, to end with its code.
    const result = run(["run", "--interval", "200ms", "--recovery", "quit", "--health-tcp", `127.0.0.1:${port}`, "--log", "json", "--", "sh", "-c", "sleep 1; exit 4"]);
    server.kill();
    expect(result.status).toBe(4);
    expect(result.stderr).not.toMatch(/"type":"signal"/);
  });
});

describe("--backend native", () => {
  it("samctl becomes libsam's server (same PID); a samkit program's hang is handled by libsam", () => {
    const result = run(["run", "--backend", "native", "--interval", "300ms", "--", process.execPath, fixture("hangs-once-native.mjs")]);
    expect(result.status, result.stderr).toBe(0);
    const pids = [...result.stdout.matchAll(/instance (\d) under libsam (\d+)/g)];
    expect(pids.map((match) => match[1])).toEqual(["1", "2"]);
    const events = result.stderr.trim().split("\n").map((line) => JSON.parse(line) as { type: string; signal?: string; reason?: string; pid?: number });
    expect(events.filter((event) => event.type === "signal").map((event) => `${event.signal} ${event.reason}`)).toEqual(["SIGTERM libsam"]);
    expect(events[0]!.pid).toBe(Number(pids[0]![2]));
  });
});

describe("plugins", () => {
  it("--store keeps the data for the next samctl", () => {
    const folder = mkdtempSync(join(tmpdir(), "samkit-cli-store-"));
    const path = join(folder, "sam.data");
    const first = run(["run", "--store", path, "--log", "none", "--", process.execPath, fixture("stores.mjs"), "kept"]);
    expect(first.stdout, first.stderr).toBe("restored nothing\n");
    const second = run(["run", "--store", path, "--log", "none", "--", process.execPath, fixture("stores.mjs"), "again"]);
    expect(second.stdout).toBe("restored kept\n");
    expect(second.status).toBe(0);
    rmSync(folder, { recursive: true, force: true });
  });

  it.skipIf(corosyncUnavailableReason() !== undefined && process.env.SAMKIT_REQUIRE_COROSYNC !== "1")("--quorum corosync and --cmap: the keys are published and deleted on a clean exit", async () => {
    const child = spawn(process.execPath, [samctl, "run", "--quorum", "corosync", "--cmap", "--name", "cmap-test", "--interval", "1s", "--log", "none", "--", process.execPath, fixture("heartbeats.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
    const keys = await cmapKeys(`resources.process.${child.pid}.`);
    expect(keys.get(`resources.process.${child.pid}.state`)).toBe("running");
    expect(keys.get(`resources.process.${child.pid}.recovery`)).toBe("restart");
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect((await cmapKeys(`resources.process.${child.pid}.`)).size).toBe(0);
  });
});

describe("the systemd notify protocol", () => {
  it("a program sending READY=1 and WATCHDOG=1 is supervised, shows its STATUS=, and is restarted when it stops sending", async () => {
    const runtime = mkdtempSync(join(tmpdir(), "samkit-runtime-"));
    const env = { ...process.env, SAMKIT_RUNTIME_DIR: runtime };
    const child = spawn(process.execPath, [samctl, "run", "--name", "notify", "--interval", "400ms", "--log", "json", "--", "python3", fixture("notify.py"), "12"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const lines = async (count: number) => {
      const started = Date.now();
      while (stdout.trim().split("\n").filter(Boolean).length < count && Date.now() - started < 15_000) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    await lines(1);
    expect(stdout).toMatch(/^started, watchdog 400000 us/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const status = JSON.parse(spawnSync(process.execPath, [samctl, "status", "notify", "--json"], { env, encoding: "utf8" }).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ started: true, programStatus: "warming up", instanceId: 1 });
    await lines(2);
    child.kill("SIGTERM");
    await exited;
    rmSync(runtime, { recursive: true, force: true });
    const events = stderr.trim().split("\n").map((line) => JSON.parse(line) as { type: string; signal?: string; reason?: string; instanceId?: number });
    expect(events.find((event) => event.type === "signal")).toMatchObject({ signal: "SIGTERM", reason: "timeout", instanceId: 1 });
    expect(events.filter((event) => event.type === "spawn").length).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it("a datagram from outside the program's process group is not heard", async () => {
    const runtime = mkdtempSync(join(tmpdir(), "samkit-runtime-"));
    const env = { ...process.env, SAMKIT_RUNTIME_DIR: runtime };
    const child = spawn(process.execPath, [samctl, "run", "--name", "quiet", "--interval", "300ms", "--log", "none", "--", "sleep", "30"], { env, stdio: "ignore" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const send = spawnSync("python3", ["-c", `import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"READY=1", ${JSON.stringify(join(runtime, "quiet.notify"))})`]);
    expect(send.status).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const status = JSON.parse(spawnSync(process.execPath, [samctl, "status", "quiet", "--json"], { env, encoding: "utf8" }).stdout) as Record<string, unknown>;
    expect(status.started).toBe(false);
    child.kill("SIGTERM");
    await new Promise((resolve) => child.on("exit", resolve));
    rmSync(runtime, { recursive: true, force: true });
  });
});

describe("settings: flags beat SAMKIT_* variables, which beat the config file", () => {
  const inFolder = (files: Record<string, string>, args: string[], env: Record<string, string> = {}) => {
    const folder = mkdtempSync(join(tmpdir(), "samkit-config-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
    const result = spawnSync(process.execPath, [samctl, ...args], { encoding: "utf8", cwd: folder, env: { ...process.env, ...env }, timeout: 20_000 });
    rmSync(folder, { recursive: true, force: true });
    return result;
  };
  const program = ["--", "sh", "-c", "exit 3"];

  it("each source is used, and the stronger one wins", () => {
    // A bad value shows which source was used: the error names the option.
    expect(inFolder({ "samkit.config.json": '{ "recovery": "config-wins" }' }, ["run", ...program]).stderr).toMatch(/--recovery: "config-wins"/);
    expect(inFolder({ "samkit.config.json": '{ "recovery": "config-wins" }' }, ["run", ...program], { SAMKIT_RECOVERY: "env-wins" }).stderr).toMatch(/--recovery: "env-wins"/);
    expect(inFolder({ "samkit.config.json": '{ "recovery": "config-wins" }' }, ["run", "--recovery", "quit", "--log", "none", ...program], { SAMKIT_RECOVERY: "env-wins" }).status).toBe(3);
  });

  it("samkit.config.mjs with defineConfig, and --config", () => {
    const cli = new URL("../dist/index.js", import.meta.url).href;
    const mjs = `import { defineConfig } from ${JSON.stringify(cli)};\nexport default defineConfig({ log: "nonsense" });\n`;
    expect(inFolder({ "samkit.config.mjs": mjs }, ["run", ...program]).stderr).toMatch(/--log: "nonsense"/);
    expect(inFolder({ "other.json": '{ "log": "again" }' }, ["run", "--config", "other.json", ...program]).stderr).toMatch(/--log: "again"/);
  });

  it.each([
    [{ "samkit.config.json": '{ "intervall": "2s" }' }, [], /samkit\.config\.json: unknown setting "intervall"/],
    [{ "samkit.config.json": '{ "cmap": "yes" }' }, [], /samkit\.config\.json: cmap must be true or false/],
    [{ "samkit.config.json": "{ not json" }, [], /samkit\.config\.json: cannot be read/],
    [{ "samkit.config.json": "[1]" }, [], /must hold an object of settings/],
    [{}, ["--config", "missing.json"], /--config: missing.json does not exist/],
  ])("a bad config %j: one line naming the file and the setting, exit 2", (files, extra, reason) => {
    const result = inFolder(files as Record<string, string>, ["run", ...extra, ...program]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("a --no- form from the config gives way to the flag", () => {
    const result = inFolder({ "samkit.config.json": '{ "restartLimit": false }' }, ["run", "--restart-limit", "bad", ...program]);
    expect(result.stderr).toMatch(/--restart-limit: "bad"/);
  });

  it("the published JSON Schema knows every setting", () => {
    const schema = JSON.parse(readFileSync(new URL("../samkit.config.schema.json", import.meta.url), "utf8")) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties).sort()).toEqual(["$schema", "backoff", "cmap", "healthCmd", "healthFile", "healthHttp", "healthTcp", "interval", "log", "name", "noRestartExitCode", "quorum", "recovery", "restartLimit", "store", "warnSignal"]);
  });
});

describe("status and stop", () => {
  it("samctl status --json reports the running supervisor; samctl stop stops it; the socket is private", async () => {
    const runtime = mkdtempSync(join(tmpdir(), "samkit-runtime-"));
    const env = { ...process.env, SAMKIT_RUNTIME_DIR: runtime };
    const child = spawn(process.execPath, [samctl, "run", "--name", "web", "--interval", "300ms", "--log", "none", "--", process.execPath, fixture("heartbeats.mjs")], { env, stdio: ["ignore", "pipe", "inherit"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout!.once("data", () => resolve()));
    const ask = (...args: string[]) => spawnSync(process.execPath, [samctl, ...args], { env, encoding: "utf8" });
    const status = JSON.parse(ask("status", "web", "--json").stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ name: "web", pid: child.pid, phase: "running", instanceId: 1, started: true, restarts: 0, interval: 300, warnSignal: "SIGTERM", quorate: null });
    expect(status.lastMessageAge).toBeLessThan(300);
    expect(typeof status.instancePid).toBe("number");
    expect(ask("status").stdout).toMatch(/^web: running, instance 1 \(PID \d+\), started, 0 restarts, last heartbeat \d+ ms ago/);
    expect(statSync(join(runtime, "web.sock")).mode & 0o777).toBe(0o600);
    expect(ask("stop", "web").stdout).toContain('"stopping":true');
    expect(await exited).toBe(143);
    expect(ask("status", "web").status).toBe(2);
    rmSync(runtime, { recursive: true, force: true });
  });
});

describe("usage", () => {
  it.each([
    [["run", "--interval", "2x", "--", "true"], /--interval: "2x" is not a duration/],
    [["run", "--interval", "-5", "--", "true"], /--interval/],
    [["run", "--recovery", "reboot", "--", "true"], /--recovery: "reboot" is neither quit nor restart/],
    [["run", "--warn-signal", "SIGFOO", "--", "true"], /--warn-signal: "SIGFOO" is not a signal/],
    [["run", "--restart-limit", "five", "--", "true"], /--restart-limit: "five" is not <count>\/<duration>/],
    [["run", "--backoff", "1s", "--", "true"], /--backoff: "1s" is not <initial>,<max>/],
    [["run", "--backoff", "2s,1s", "--", "true"], /--backoff: the maximum is below the initial delay/],
    [["run", "--no-restart-exit-code", "300", "--", "true"], /--no-restart-exit-code: "300" is not an exit code/],
    [["run", "--log", "xml", "--", "true"], /--log: "xml" is not auto, text, json or none/],
    [["run", "--speed", "1", "--", "true"], /Unknown option '--speed'/],
    [["run", "--interval", "1s"], /no command: put it after --/],
    [["launch"], /unknown command "launch"/],
    [["status", "../etc"], /may hold letters/],
    [["run", "--quorum", "etcd", "--", "true"], /--quorum: "etcd" is not a quorum source/],
    [["run", "--backend", "libsam", "--", "true"], /--backend: "libsam" is neither fork nor native/],
    [["run", "--backend", "native", "--interval", "1s", "--health-tcp", "a:1", "--", "true"], /--health-tcp does not work with --backend native/],
    [["run", "--store", " ", "--", "true"], /--store needs a file path/],
    [["run", "--name", "a/b", "--", "true"], /--name: "a\/b"/],
    [["run", "--health-http", "http://x/", "--", "true"], /--health-http needs --interval above 0/],
    [["run", "--interval", "1s", "--health-http", "ftp://x/", "--", "true"], /--health-http: "ftp:\/\/x\/" is not an http or https URL/],
    [["run", "--interval", "1s", "--health-tcp", "localhost", "--", "true"], /--health-tcp: "localhost" is not host:port/],
    [["run", "--interval", "1s", "--health-tcp", "a:1", "--health-cmd", "true", "--", "true"], /one probe at a time/],
  ])("%j: one line, exit 2", (args, reason) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(reason);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("--help for samctl and for run, with examples", () => {
    const top = run(["--help"]);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/^usage: samctl <command>/);
    const help = run(["run", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/usage: samctl run[\s\S]*examples:\n {2}samctl run -- node server.js/);
    expect(run([]).status).toBe(2);
  });
});
