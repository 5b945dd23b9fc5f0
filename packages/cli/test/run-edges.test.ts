// Edges of samctl run: a program that cannot be run, durations below a millisecond, values core
// refuses from every source, and the name taken from the command.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configKey, environmentName, settings, type RunOption } from "../src/run-option-table.js";
import { parseRunOptions, type RunOptions } from "../src/run-options.js";
import { expectUsageError, samctlSync, temporaryFolder } from "./samctl-process.js";

const folders: string[] = [];
const scratch = () => {
  const folder = temporaryFolder("samkit-edges-");
  folders.push(folder);
  return folder;
};
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe("a program that cannot be run ends samctl with 127 and one line saying why", () => {
  it.each([
    ["no probe", []],
    ["--health-cmd", ["--interval", "1s", "--health-cmd", "true"]],
    ["--health-file", ["--interval", "1s", "--health-file", "/dev/null"]],
    ["--health-tcp", ["--interval", "300ms", "--health-tcp", "127.0.0.1:1"]],
  ])("with %s", (_, probe) => {
    const folder = scratch();
    writeFileSync(join(folder, "not-executable"), "#!/bin/sh\nexit 0\n");
    writeFileSync(join(folder, "bad-interpreter"), "#!/no/such/interpreter\n");
    chmodSync(join(folder, "bad-interpreter"), 0o755);
    mkdirSync(join(folder, "a-folder"));
    for (const program of ["/no/such/program", "./not-executable", "./bad-interpreter", "./a-folder"]) {
      const result = samctlSync(["run", "--name", "edge", ...probe, "--log", "json", "--", program], { cwd: folder, env: { SAMKIT_RUNTIME_DIR: folder }, timeout: 15_000 });
      expect(result.status, `${program}: ${result.stderr}`).toBe(127);
      const events = result.stderr.trim().split("\n").map((line) => JSON.parse(line) as { type: string; message?: string });
      expect(events.filter((event) => event.type === "error").map((event) => event.message)).toEqual([expect.stringMatching(/^instance 1 could not be started: /)]);
      expect(events.filter((event) => event.type === "exit")).toHaveLength(1);
    }
  });
});

describe("a duration above 0 but below 1 ms is refused, naming the option; 0 stays off", () => {
  const program = ["--", "sh", "-c", "exit 3"];
  it.each([
    ["--interval 0.4", ["--interval", "0.4"], {}, {}, /^samctl: --interval: "0\.4" is below 1 ms/],
    ["--interval 0.5ms", ["--interval", "0.5ms"], {}, {}, /--interval: "0\.5ms" is below 1 ms/],
    ["--interval 0.0004s", ["--interval", "0.0004s"], {}, {}, /--interval: "0\.0004s" is below 1 ms/],
    ["SAMKIT_INTERVAL=0.4", [], { SAMKIT_INTERVAL: "0.4" }, {}, /--interval: "0\.4" is below 1 ms/],
    ['"interval": 0.4', [], {}, { interval: 0.4 }, /--interval: "0\.4" is below 1 ms/],
    ["--restart-limit 5/0.4", ["--restart-limit", "5/0.4"], {}, {}, /--restart-limit: "0\.4" is below 1 ms/],
    ["--backoff 0.4,1s", ["--backoff", "0.4,1s"], {}, {}, /--backoff: "0\.4" is below 1 ms/],
  ])("%s", (_, flags, env, config, reason) => {
    const cwd = scratch();
    writeFileSync(join(cwd, "samkit.config.json"), JSON.stringify(config));
    expectUsageError(samctlSync(["run", ...flags, ...program], { cwd, env }), new RegExp(`${reason.source}; a duration above 0 is at least 1 ms`));
  });

  it("0, 0ms and 0.0s are no health checks; 1.4 is 1 ms", () => {
    for (const zero of ["0", "0ms", "0.0s"]) expect((parseRunOptions(["--interval", zero, ...program]) as RunOptions).sam.interval).toBe(0);
    expect((parseRunOptions(["--interval", "1.4", ...program]) as RunOptions).sam.interval).toBe(1);
    expect(samctlSync(["run", "--interval", "0", "--log", "none", ...program]).status).toBe(3);
  });
});

describe("every setting's bad value is a usage error naming it, from a flag, SAMKIT_* or the config file", () => {
  // One value of each setting that samctl or core refuses; core's own ranges among them.
  const bad: Record<string, string> = {
    interval: "1000h",
    recovery: "reboot",
    "warn-signal": "SIGFOO",
    "restart-limit": "2000000/1s",
    backoff: "1s,1000h",
    "no-restart-exit-code": "300",
    "health-cmd": "true",
    "health-file": "/run/alive",
    "health-http": "ftp://x/",
    "health-tcp": "localhost",
    store: " ",
    quorum: "etcd",
    cmap: "yes",
    name: "a/b",
    log: "xml",
  };

  it("the list covers every setting", () => {
    expect(Object.keys(bad).sort()).toEqual(settings().map((option) => option.flag).sort());
  });

  it.each(settings().map((option): [string, RunOption] => [option.flag, option]))("--%s", (flag, option) => {
    const value = bad[flag]!;
    const program = ["--", "sh", "-c", "exit 3"];
    const named = new RegExp(`--${flag}|${configKey(option)}|${environmentName(option)}`);
    if (option.kind !== "switch") expectUsageError(samctlSync(["run", `--${flag}`, value, ...program]), named);
    expectUsageError(samctlSync(["run", ...program], { env: { [environmentName(option)]: value } }), named);
    const cwd = scratch();
    writeFileSync(join(cwd, "samkit.config.json"), JSON.stringify({ [configKey(option)]: value }));
    expectUsageError(samctlSync(["run", ...program], { cwd }), named);
  });

  it("a restart count over 1,000,000 says the range", () => {
    expectUsageError(samctlSync(["run", "--restart-limit", "1000001/1s", "--", "true"]), /^samctl: --restart-limit: "1000001\/1s": restartLimit\.count must be an integer from 0 to 1000000/);
  });
});

describe("the name taken from the command is always a valid name", () => {
  const name = (...command: string[]) => (parseRunOptions(["--", ...command]) as RunOptions).name;

  it("characters outside the name syntax become -, it is cut to 64, and samctl stands in when no letter or digit is left", () => {
    expect(name("./my app")).toBe("my-app");
    expect(name("./démarre.sh")).toBe("d-marre.sh");
    expect(name("/opt/日本語/サーバー")).toBe("samctl");
    expect(name("./-x- y-")).toBe("x-y");
    expect(name(`./${"x".repeat(100)}`)).toBe("x".repeat(64));
    expect(name("./.hidden")).toBe("hidden");
    expect(name("/")).toBe("samctl");
    expect(name("..")).toBe("samctl");
    expect(name("node", "server.js")).toBe("node");
  });

  it("an explicit bad --name is still an error", () => {
    expect(() => parseRunOptions(["--name", "my app", "--", "true"])).toThrow(/^--name: "my app" may hold letters, digits/);
  });

  it('samctl run -- "./my app" and ./démarre.sh run', () => {
    const cwd = scratch();
    for (const file of ["my app", "démarre.sh"]) {
      writeFileSync(join(cwd, file), "#!/bin/sh\nexit 3\n");
      chmodSync(join(cwd, file), 0o755);
      const result = samctlSync(["run", "--log", "none", "--", `./${file}`], { cwd, env: { SAMKIT_RUNTIME_DIR: cwd } });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(3);
    }
  });
});
