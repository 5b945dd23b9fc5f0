// The "idle node" baseline for memory: what a Node process that does nothing costs, i.e. the
// floor of any supervisor written in Node.
import { setTimeout as sleep } from "node:timers/promises";
import { spawnGroup, stopAllGroups } from "../lib/process-group.mjs";
import { measureProcess } from "../lib/process-stats.mjs";

export const name = "idle-node";
export const applies = new Set(["memory"]);

export async function setup() {}

export async function teardown() {
  await stopAllGroups();
}

/** `heartbeatsPerSecond` does not apply: nothing supervises, nothing beats. */
export async function memory({ seconds }) {
  const idle = spawnGroup(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
  try {
    // Let it finish booting, so the window sees it idle.
    await sleep(500);
    const window = measureProcess(idle.child.pid);
    await sleep(seconds * 1000);
    return window.stop();
  } finally {
    await idle.stop();
  }
}
