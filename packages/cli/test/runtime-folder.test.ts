// The runtime folder that holds samctl's sockets: never chmodded when it exists, refused unless it
// is private, created private when missing; and socket paths that fit in a socket address.
import { chmodSync, chownSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { expectUsageError, samctlSync, temporaryFolder } from "./samctl-process.js";

const folders: string[] = [];
const scratch = (prefix: string) => {
  const folder = temporaryFolder(prefix);
  folders.push(folder);
  return folder;
};
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
const program = ["--", "sh", "-c", "exit 3"];
// sun_path holds 108 bytes on Linux, 104 elsewhere, with the NUL.
const socketPathLimit = process.platform === "linux" ? 107 : 103;

describe("an existing runtime folder is never chmodded, and used only if it is private", () => {
  it.each([
    ["a shared folder like /tmp", 0o1777],
    ["a folder others may read, like a home folder", 0o755],
    ["a folder its group may write", 0o770],
    ["a folder others may only search", 0o701],
  ])("%s (mode %o) is refused in one line and keeps its mode", (_, mode) => {
    const folder = join(scratch("samkit-shared-"), "runtime");
    mkdirSync(folder);
    chmodSync(folder, mode);
    const env = { SAMKIT_RUNTIME_DIR: folder };
    expectUsageError(samctlSync(["run", "--name", "web", ...program], { env }), /runtime folder .*runtime may be read or written by group or others \(mode \d+\).*SAMKIT_RUNTIME_DIR/);
    expectUsageError(samctlSync(["status"], { env }), /may be read or written by group or others/);
    expect(statSync(folder).mode & 0o7777).toBe(mode);
    expect(readdirSync(folder)).toEqual([]);
  });

  it("a link to a private folder is refused", () => {
    const parent = scratch("samkit-link-");
    mkdirSync(join(parent, "real"), { mode: 0o700 });
    symlinkSync(join(parent, "real"), join(parent, "link"));
    expectUsageError(samctlSync(["run", "--name", "web", ...program], { env: { SAMKIT_RUNTIME_DIR: join(parent, "link") } }), /runtime folder .*link is a link.*SAMKIT_RUNTIME_DIR/);
    expect(readdirSync(join(parent, "real"))).toEqual([]);
  });

  it("a file is refused", () => {
    const parent = scratch("samkit-file-");
    const file = join(parent, "file");
    writeFileSync(file, "");
    expectUsageError(samctlSync(["run", "--name", "web", ...program], { env: { SAMKIT_RUNTIME_DIR: file } }), /runtime folder .*file is not a folder/);
    expectUsageError(samctlSync(["status"], { env: { SAMKIT_RUNTIME_DIR: join(file, "below") } }), /no samctl runs here/);
  });

  it.skipIf(process.getuid?.() !== 0)("a private folder owned by another user is refused (needs root, to chown)", () => {
    const folder = join(scratch("samkit-owner-"), "theirs");
    mkdirSync(folder, { mode: 0o700 });
    chownSync(folder, 65534, 65534);
    expectUsageError(samctlSync(["run", "--name", "web", ...program], { env: { SAMKIT_RUNTIME_DIR: folder } }), /runtime folder .*theirs is owned by another user \(uid 65534\)/);
    expect(statSync(folder)).toMatchObject({ uid: 65534 });
    expect(statSync(folder).mode & 0o7777).toBe(0o700);
  });

  it("an existing private folder is used as it is", () => {
    const folder = scratch("samkit-private-");
    expect(statSync(folder).mode & 0o7777).toBe(0o700);
    expect(samctlSync(["run", "--name", "web", ...program], { env: { SAMKIT_RUNTIME_DIR: folder } }).status).toBe(3);
    expect(statSync(folder).mode & 0o7777).toBe(0o700);
    expect(readdirSync(folder)).toEqual([]);
  });

  it("a missing folder is created with mode 0700, its missing parents too; so is $XDG_RUNTIME_DIR/samkit", () => {
    const parent = scratch("samkit-missing-");
    const folder = join(parent, "a", "b");
    const result = samctlSync(["run", "--name", "web", ...program], { env: { SAMKIT_RUNTIME_DIR: folder } });
    expect(result.status, result.stderr).toBe(3);
    expect(statSync(folder).mode & 0o7777).toBe(0o700);
    expect(statSync(join(parent, "a")).mode & 0o077).toBe(0);
    const xdg = scratch("samkit-xdg-");
    chmodSync(xdg, 0o755);
    expect(samctlSync(["run", "--name", "web", ...program], { env: { SAMKIT_RUNTIME_DIR: undefined, XDG_RUNTIME_DIR: xdg } }).status).toBe(3);
    expect(statSync(join(xdg, "samkit")).mode & 0o7777).toBe(0o700);
    expect(statSync(xdg).mode & 0o7777).toBe(0o755);
  });
});

describe("socket paths fit in a socket address", () => {
  it(`the limit is ${socketPathLimit} bytes, counted in UTF-8`, async () => {
    const { socketPathLimit: limit, socketPathProblem } = await import("../src/runtime-folder.js");
    expect(limit).toBe(socketPathLimit);
    expect(socketPathProblem(`/${"a".repeat(socketPathLimit - 1)}`)).toBeUndefined();
    expect(socketPathProblem(`/${"a".repeat(socketPathLimit)}`)).toMatch(new RegExp(`is ${socketPathLimit + 1} bytes long; a socket path may be at most ${socketPathLimit} bytes`));
    expect(socketPathProblem(`/${"é".repeat(Math.ceil(socketPathLimit / 2))}`)).toMatch(/bytes long/);
  });

  it.each([
    ["the control socket fits but the notify socket beside it does not", socketPathLimit - "/web.sock".length],
    ["far too long", 300],
  ])("a runtime folder too long for its sockets is refused up front (%s); nothing is left behind", (_, folderBytes) => {
    const parent = scratch("samkit-long-");
    // Path components of at most 200 bytes, to a folder of folderBytes bytes.
    let long = parent;
    while (long.length < folderBytes) long = join(long, "d".repeat(Math.min(200, folderBytes - long.length - 1)));
    expect(Buffer.byteLength(long)).toBe(folderBytes);
    const env = { SAMKIT_RUNTIME_DIR: long };
    const result = samctlSync(["run", "--name", "web", ...program], { env });
    expectUsageError(result, new RegExp(`is \\d+ bytes long; a socket path may be at most ${socketPathLimit} bytes: set SAMKIT_RUNTIME_DIR to a shorter folder`));
    expect(readdirSync(parent)).toEqual([]);
    // samctl status connects to the control socket only: it needs that path to fit.
    const controlFits = Buffer.byteLength(join(long, "web.sock")) <= socketPathLimit;
    expectUsageError(samctlSync(["status", "web"], { env }), controlFits ? /no samctl named "web" runs/ : /a socket path may be at most/);
  });
});
