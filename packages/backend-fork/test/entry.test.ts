// Entries and environments a user will hit: loaders, CommonJS, nested samkit programs, refused entries.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { entryCommand } from "@samkit/core";
import { parseInstanceMarker as parseMarker } from "@samkit/core";

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

  it("kills an instance that breaks the channel protocol, with a clear reason", () => {
    const result = run([fixture("garbage-on-channel.mjs")]);
    expect(result.stdout).toContain("instance 1 writes garbage");
    expect(result.stdout).toMatch(/supervisor error: instance 1 broke the channel protocol \(unknown frame type 0x7f\); it is killed/);
    expect(result.status).toBe(137);
  });
});

describe("entryCommand", () => {
  it("runs the same executable, flags and arguments, without inspector flags", () => {
    const script = fileURLToPath(import.meta.url);
    expect(entryCommand("/usr/bin/node", ["--import", "tsx", "--inspect=9229", "--inspect-brk", "--max-old-space-size=64"], ["/usr/bin/node", script, "--port", "80"], true)).toEqual({
      command: "/usr/bin/node",
      args: ["--import", "tsx", "--max-old-space-size=64", script, "--port", "80"],
    });
  });

  it("refuses what cannot be re-run", () => {
    expect(() => entryCommand("/usr/bin/node", ["-e", "1"], ["/usr/bin/node"], true)).toThrowError(expect.objectContaining({ code: "CS_ERR_NOT_SUPPORTED" }));
    expect(() => entryCommand("/usr/bin/node", [], ["/usr/bin/node"], true)).toThrowError(expect.objectContaining({ code: "CS_ERR_NOT_SUPPORTED" }));
    expect(() => entryCommand("/usr/bin/node", [], ["/usr/bin/node", "/no/such/script.js"], true)).toThrowError(/does not exist/);
    expect(() => entryCommand("/usr/bin/node", [], ["/usr/bin/node", fileURLToPath(import.meta.url)], false)).toThrowError(/main thread/);
  });
});

describe("the instance marker", () => {
  it("counts only when the parent is the supervisor it names", () => {
    expect(parseMarker("3:1234", 1234)).toEqual({ fd: 3, supervisorPid: 1234 });
    expect(parseMarker("3:1234", 999)).toBeUndefined();
    expect(parseMarker(undefined, 1234)).toBeUndefined();
    expect(parseMarker("2:1234", 1234)).toBeUndefined();
    expect(parseMarker("3:1234:extra", 1234)).toBeUndefined();
    expect(parseMarker("x:1234", 1234)).toBeUndefined();
  });
});
