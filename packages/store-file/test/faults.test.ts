// Every kind of bad file gives its documented behaviour: a SamError naming the file and the fault
// (the default), or with onCorrupt: 'move-aside' the file moved aside and no data.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSam } from "@samkit/core";
import { forkBackend } from "@samkit/backend-fork";
import { encodeDataFile, fileStore } from "../src/index.js";
import { temporaryFolder } from "./helpers.js";

let temporary: ReturnType<typeof temporaryFolder>;
beforeEach(() => {
  temporary = temporaryFolder();
});
afterEach(() => temporary.remove());

const good = encodeDataFile(Uint8Array.of(1, 2, 3, 4, 5));
const damaged: [string, () => Buffer, RegExp][] = [
  ["corrupt", () => Buffer.from(good).fill(0xee, 34, 35), /is corrupt: the data checksum does not match/],
  ["truncated", () => good.subarray(0, good.byteLength - 2), /is truncated: the header promises 5 bytes of data and 3 are there/],
  ["empty", () => Buffer.alloc(0), /is empty: it has 0 bytes/],
  ["foreign", () => Buffer.from("PID=1234\n"), /is foreign: it does not start with SAMKITDS/],
];

describe("a damaged file", () => {
  it.each(damaged)("%s: load() fails with CS_ERR_MESSAGE_ERROR naming the file and the fault, and leaves the file", async (_name, content, reason) => {
    const path = temporary.file();
    writeFileSync(path, content());
    const store = fileStore({ path });
    const error = await store.load().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "SamError", code: "CS_ERR_MESSAGE_ERROR" });
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toMatch(/move-aside/);
    expect(readFileSync(path)).toEqual(content());
    // The failed load released the lock: another store may try.
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it.each(damaged)("%s with onCorrupt 'move-aside': moved to <path>.corrupt-<time>, no data, and saving works", async (_name, content) => {
    const path = temporary.file();
    writeFileSync(path, content());
    const store = fileStore({ path, onCorrupt: "move-aside" });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on("warning", onWarning);
    try {
      expect(await store.load()).toBeNull();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    const aside = readdirSync(temporary.folder).filter((name) => name.startsWith("sam.data.corrupt-"));
    expect(aside).toHaveLength(1);
    expect(readFileSync(temporary.file(aside[0]))).toEqual(content());
    expect(warnings.join("\n")).toMatch(/moved it to .*sam\.data\.corrupt-/);
    await store.save(Uint8Array.of(7));
    await store.close();
    expect(await fileStore({ path }).load()).toEqual(Uint8Array.of(7));
  });

  it("initialize() of the supervisor fails with the store's error", async () => {
    const path = temporary.file();
    writeFileSync(path, Buffer.from("not samkit"));
    const sam = createSam({ backend: forkBackend() });
    await expect(sam.initialize({ interval: 100, recovery: "restart", store: fileStore({ path }) })).rejects.toMatchObject({
      code: "CS_ERR_MESSAGE_ERROR",
      message: expect.stringContaining(path),
    });
    expect(sam.state).toBe("NOT_INITIALIZED");
  });
});

describe("files that are not what they seem", () => {
  it("oversized: CS_ERR_TOO_BIG, also with move-aside (valid data is never moved away)", async () => {
    const path = temporary.file();
    writeFileSync(path, encodeDataFile(new Uint8Array(2048)));
    await expect(fileStore({ path, maxSize: 1024 }).load()).rejects.toMatchObject({ code: "CS_ERR_TOO_BIG", message: expect.stringMatching(/2048 bytes of data, more than maxSize \(1024\)/) });
    await expect(fileStore({ path, maxSize: 1024, onCorrupt: "move-aside" }).load()).rejects.toMatchObject({ code: "CS_ERR_TOO_BIG" });
    expect(existsSync(path)).toBe(true);
    expect(await fileStore({ path, maxSize: 2048 }).load()).toHaveLength(2048);
  });

  it("a symbolic link is not followed: CS_ERR_SECURITY, for load and save", async () => {
    const target = temporary.file("elsewhere");
    writeFileSync(target, good);
    const path = temporary.file();
    symlinkSync(target, path);
    await expect(fileStore({ path }).load()).rejects.toMatchObject({ code: "CS_ERR_SECURITY", message: expect.stringMatching(/symbolic link/) });
    // A save replaces the link itself (rename), never writing through it.
    const store = fileStore({ path });
    await store.save(Uint8Array.of(9));
    await store.close();
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(target)).toEqual(good);
  });

  it("a folder or a FIFO under the name is foreign, and does not hang", async () => {
    const path = temporary.file();
    mkdirSync(path);
    await expect(fileStore({ path }).load()).rejects.toMatchObject({ code: "CS_ERR_MESSAGE_ERROR", message: expect.stringMatching(/not a regular file/) });
    const fifo = temporary.file("fifo");
    spawnSync("mkfifo", [fifo]);
    await expect(fileStore({ path: fifo }).load()).rejects.toMatchObject({ code: "CS_ERR_MESSAGE_ERROR", message: expect.stringMatching(/not a regular file/) });
  });

  it("unreadable (permissions): CS_ERR_ACCESS naming the file", () => {
    // Root reads everything, so where we are root the check runs as the unprivileged user 'nobody'.
    // The child drops to it after loading the package, so the checkout may sit in a folder only
    // root can enter (a clone in a mktemp -d folder, say).
    const path = temporary.file();
    writeFileSync(path, good, { mode: 0o000 });
    chmodSync(temporary.folder, 0o777);
    const script = `
      import { fileStore } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
      if (process.getuid() === 0) {
        process.setgroups([65534]);
        process.setgid(65534);
        process.setuid(65534);
      }
      try { await fileStore({ path: ${JSON.stringify(path)} }).load(); console.log("loaded"); }
      catch (error) { console.log(error.code + " " + error.message); }`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(result.stdout.trim(), result.stderr).toMatch(new RegExp(`^CS_ERR_ACCESS @samkit/store-file: cannot open ${path}: EACCES`));
  });

  it("a missing folder: CS_ERR_NOT_EXIST", async () => {
    await expect(fileStore({ path: temporary.file("no/such/folder/sam.data") }).load()).rejects.toMatchObject({ code: "CS_ERR_NOT_EXIST" });
  });
});

describe("writing", () => {
  it("creates the file with mode 0600, replaces it atomically and leaves no temporary file", async () => {
    const path = temporary.file();
    writeFileSync(path, encodeDataFile(Uint8Array.of(1)), { mode: 0o644 });
    const store = fileStore({ path });
    await store.load();
    for (let index = 0; index < 20; index++) await store.save(Uint8Array.of(index));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(temporary.folder).sort()).toEqual(["sam.data", "sam.data.lock"]);
    await store.close();
    expect(readdirSync(temporary.folder)).toEqual(["sam.data"]);
  });

  it("clears temporary files a crash left behind", async () => {
    const path = temporary.file();
    writeFileSync(temporary.file(".sam.data.tmp-123-abcdef"), "half a write");
    const store = fileStore({ path });
    expect(await store.load()).toBeNull();
    expect(readdirSync(temporary.folder)).toEqual(["sam.data.lock"]);
    await store.close();
  });

  it("a deletion keeps a file with an empty value", async () => {
    const path = temporary.file();
    const store = fileStore({ path });
    await store.save(Uint8Array.of(1, 2));
    await store.save(null);
    await store.close();
    expect(readFileSync(path)).toEqual(encodeDataFile(null));
  });

  it("validates its options", () => {
    expect(() => fileStore({} as never)).toThrowError(expect.objectContaining({ code: "CS_ERR_INVALID_PARAM" }));
    expect(() => fileStore({ path: "" })).toThrowError(/options.path/);
    expect(() => fileStore({ path: "x", maxSize: -1 })).toThrowError(/maxSize/);
    expect(() => fileStore({ path: "x", onCorrupt: "ignore" as never })).toThrowError(/onCorrupt/);
    expect(() => fileStore({ path: "x", size: 1 } as never)).toThrowError(/no option "size"/);
    expect(fileStore({ path: "relative/sam.data" }).path).toBe(fileURLToPath(new URL(`file://${process.cwd()}/relative/sam.data`)));
  });
});
