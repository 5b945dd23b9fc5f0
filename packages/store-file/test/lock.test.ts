// One supervisor per data file.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileStore } from "../src/index.js";
import { processStartTime } from "../src/file-lock.js";
import { temporaryFolder } from "./helpers.js";

let temporary: ReturnType<typeof temporaryFolder>;
beforeEach(() => {
  temporary = temporaryFolder();
});
afterEach(() => temporary.remove());

describe("the lock", () => {
  it("a second store on the same file gets CS_ERR_BUSY naming the owner; close() frees it", async () => {
    const path = temporary.file();
    const first = fileStore({ path });
    await first.load();
    await expect(fileStore({ path }).load()).rejects.toMatchObject({ code: "CS_ERR_BUSY", message: expect.stringContaining(`(PID ${process.pid})`) });
    await expect(fileStore({ path }).save(Uint8Array.of(1))).rejects.toMatchObject({ code: "CS_ERR_BUSY" });
    await first.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
    const second = fileStore({ path });
    expect(await second.load()).toBeNull();
    await second.close();
  });

  it("held by another live process: CS_ERR_BUSY; once that process is killed, the stale lock is taken over", async () => {
    const path = temporary.file();
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `
      import { fileStore } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
      await fileStore({ path: ${JSON.stringify(path)} }).load();
      console.log("held");
      setInterval(() => {}, 1000);`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => holder.stdout!.once("data", () => resolve()));
    await expect(fileStore({ path }).load()).rejects.toMatchObject({ code: "CS_ERR_BUSY", message: expect.stringContaining(`(PID ${holder.pid})`) });
    holder.kill("SIGKILL");
    await new Promise((resolve) => holder.once("exit", resolve));
    const store = fileStore({ path });
    expect(await store.load()).toBeNull();
    await store.close();
  });

  it("a garbled lock, or one whose PID now belongs to another process, is stale", async () => {
    const path = temporary.file();
    writeFileSync(`${path}.lock`, "{ half a lo");
    const first = fileStore({ path });
    await first.load();
    await first.close();
    // This very PID, but with another start time: a reused PID, not the owner.
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: process.pid, startTime: "1", host: hostname() }));
    expect(processStartTime(process.pid)).not.toBe("1");
    const second = fileStore({ path });
    await second.load();
    await second.close();
  });

  it("a lock from another host is never taken over", async () => {
    const path = temporary.file();
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 999_999_999, startTime: null, host: "elsewhere" }));
    await expect(fileStore({ path }).load()).rejects.toMatchObject({ code: "CS_ERR_BUSY", message: expect.stringContaining("on host elsewhere") });
  });

  it("only one of many processes racing for the lock gets it", async () => {
    const path = temporary.file();
    const racers = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ["--input-type=module", "-e", `
        import { fileStore } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
        try { await fileStore({ path: ${JSON.stringify(path)} }).load(); console.log("won"); setTimeout(() => {}, 1500); }
        catch (error) { console.log(error.code); }`], { stdio: ["ignore", "pipe", "inherit"] }),
    );
    const results = await Promise.all(
      racers.map(
        (racer) =>
          new Promise<string>((resolve) => {
            let output = "";
            racer.stdout!.on("data", (chunk) => (output += chunk));
            racer.on("exit", () => resolve(output.trim()));
          }),
      ),
    );
    expect(results.filter((result) => result === "won")).toHaveLength(1);
    expect(results.filter((result) => result === "CS_ERR_BUSY")).toHaveLength(5);
  });

  it("only one of many processes racing for a stale lock takes it over", async () => {
    for (let round = 0; round < 8; round++) {
      const path = temporary.file();
      // The lock of a process that is gone (PID 2^22 - 1 does not run here, nor is it reused in this run).
      writeFileSync(`${path}.lock`, `${JSON.stringify({ pid: 4_194_303, startTime: "1", host: hostname() })}\n`);
      // All load at one moment: Node starts are staggered by far more than the race's window.
      const at = Date.now() + 1500;
      const racers = Array.from({ length: 8 }, () =>
        spawn(process.execPath, ["--input-type=module", "-e", `
          import { fileStore } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
          const store = fileStore({ path: ${JSON.stringify(path)} });
          while (Date.now() < ${at});
          try { await store.load(); console.log("won"); setTimeout(() => {}, 1500); }
          catch (error) { console.log(error.code); }`], { stdio: ["ignore", "pipe", "inherit"] }),
      );
      const results = await Promise.all(racers.map((racer) => new Promise<string>((resolve) => {
        let output = "";
        racer.stdout!.on("data", (chunk) => (output += chunk));
        racer.on("exit", () => resolve(output.trim()));
      })));
      expect(results.filter((result) => result === "won"), `round ${round}: ${results.join(" ")}`).toHaveLength(1);
    }
  }, 60_000);
});

