// A config file must be a regular file of at most 1 MiB: a FIFO, a device or a huge file is a
// usage error at once, whether named by --config or found as ./samkit.config.json or .mjs.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { expectUsageError, samctlSync, temporaryFolder } from "./samctl-process.js";

const mebibyte = 1024 * 1024;
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folderWith(make: (folder: string) => void): string {
  const folder = temporaryFolder("samkit-config-file-");
  folders.push(folder);
  make(folder);
  return folder;
}

const fifo = (name: string) => (folder: string) => expect(spawnSync("mkfifo", [join(folder, name)]).status).toBe(0);
/** A valid JSON config of exactly `bytes` bytes: the object, then spaces. */
const jsonOf = (name: string, bytes: number) => (folder: string) => writeFileSync(join(folder, name), '{ "log": "none" }'.padEnd(bytes, " "));
const program = ["--", "sh", "-c", "exit 3"];

describe("the config file", () => {
  it.each([
    ["a FIFO given by --config", fifo("fifo.json"), ["--config", "fifo.json"], /fifo\.json: is not a regular file \(a FIFO\)/],
    ["/dev/zero given by --config", () => {}, ["--config", "/dev/zero"], /\/dev\/zero: is not a regular file \(a character device\)/],
    ["a folder given by --config", (folder: string) => mkdirSync(join(folder, "config.json")), ["--config", "config.json"], /config\.json: is not a regular file \(a folder\)/],
    ["a file over 1 MiB given by --config", jsonOf("big.json", mebibyte + 1), ["--config", "big.json"], /big\.json: is larger than 1 MiB/],
    ["./samkit.config.json as a FIFO", fifo("samkit.config.json"), [], /samkit\.config\.json: is not a regular file \(a FIFO\)/],
    ["./samkit.config.mjs as a FIFO", fifo("samkit.config.mjs"), [], /samkit\.config\.mjs: is not a regular file \(a FIFO\)/],
    ["./samkit.config.mjs over 1 MiB", (folder: string) => writeFileSync(join(folder, "samkit.config.mjs"), `export default {};\n${"//".padEnd(mebibyte, " ")}\n`), [], /samkit\.config\.mjs: is larger than 1 MiB/],
  ])("%s: one line and exit 2, at once", (_, make, extra, reason) => {
    const cwd = folderWith(make);
    const started = Date.now();
    expectUsageError(samctlSync(["run", ...extra, ...program], { cwd, timeout: 8000 }), reason);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it("a regular file of exactly 1 MiB is read", () => {
    expect(samctlSync(["run", "--config", "exact.json", ...program], { cwd: folderWith(jsonOf("exact.json", mebibyte)) }).status).toBe(3);
    expect(samctlSync(["run", ...program], { cwd: folderWith(jsonOf("samkit.config.json", mebibyte)) }).status).toBe(3);
  });
});
