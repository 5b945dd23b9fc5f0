// Data survives the supervisor (kill -9) and a crash at any moment of a save.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { processGone } from "@samkit/conformance";
import { decodeDataFile, fileStore } from "../src/index.js";
import { temporaryFolder } from "./helpers.js";
// @ts-expect-error: a plain .mjs fixture shared with the writer process
import { valueFor } from "./fixtures/crash-values.mjs";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
let temporary: ReturnType<typeof temporaryFolder>;
beforeEach(() => {
  temporary = temporaryFolder();
});
afterEach(() => temporary.remove());

function start(args: string[]) {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeout = 15_000) => {
    const started = Date.now();
    while (!pattern.test(output)) {
      if (Date.now() - started > timeout) throw new Error(`no ${pattern} in:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return pattern.exec(output)!;
  };
  return { child, exited, waitFor, output: () => output };
}

describe("durability", () => {
  it("instance 1 of a new supervisor restores what an instance stored before its supervisor was killed with SIGKILL", async () => {
    const path = temporary.file();
    const first = start([fixture("durable-app.mjs"), path, "store", "survivor-42"]);
    const [, instancePid] = await first.waitFor(/instance 1 pid (\d+) restored nothing/);
    await first.waitFor(/^stored$/m);
    first.child.kill("SIGKILL");
    await first.exited;
    // The orphaned instance notices its supervisor is gone and leaves.
    const deadline = Date.now() + 2000;
    while (!processGone(Number(instancePid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(processGone(Number(instancePid))).toBe(true);
    const second = start([fixture("durable-app.mjs"), path, "read"]);
    await second.waitFor(/instance 1 pid \d+ restored survivor-42/);
    expect(await second.exited, second.output()).toBe(0);
  });

  it("a writer killed with SIGKILL at random moments leaves the previous or the new value, never anything else", async () => {
    const path = temporary.file();
    const kills = Number(process.env.SAMKIT_CRASH_KILLS ?? 300);
    let previousValue = 0;
    const seen = { previous: 0, next: 0 };
    for (let round = 0; round < kills; round++) {
      const writer = start([fixture("crash-writer.mjs"), path]);
      await writer.waitFor(/^\d+$/m);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
      writer.child.kill("SIGKILL");
      await writer.exited;
      const acknowledged = writer.output().trim().split("\n").filter((line) => /^\d+$/.test(line)).map(Number);
      const lastAcknowledged = acknowledged.at(-1)!;
      expect(acknowledged[0], `round ${round}: the writer did not continue from the stored value`).toBe(previousValue + 1);
      // The strict check first: the raw file decodes and is whole; then the store's own load().
      const { readFileSync } = await import("node:fs");
      const raw = decodeDataFile(readFileSync(path));
      const store = fileStore({ path });
      const loaded = await store.load();
      await store.close();
      expect(loaded).toEqual(raw);
      const number = new DataView(loaded!.buffer, loaded!.byteOffset).getUint32(0);
      expect([lastAcknowledged, lastAcknowledged + 1], `round ${round}: the file holds value ${number}`).toContain(number);
      expect(loaded).toEqual(valueFor(number));
      if (number === lastAcknowledged) seen.previous++;
      else seen.next++;
      previousValue = number;
    }
    // Both outcomes happen: the kills land inside saves as well as between them.
    expect(seen.previous + seen.next).toBe(kills);
    console.log(`crash test: ${kills} kills; the file held the last acknowledged value ${seen.previous} times and the one being written ${seen.next} times`);
  });
});
