// The real samctl binary, driven as a user would.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
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
