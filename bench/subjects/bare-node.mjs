// The floor under every Node supervisor's restart: spawn(node, [app]) → the app's first
// statement, with no supervisor at all. Only the crash scenario applies.
import { fileURLToPath } from "node:url";
import { byInstance, createEventLog, loggedBy } from "../lib/event-log.mjs";
import { monotonicMilliseconds } from "../lib/monotonic.mjs";
import { exitReason, spawnGroup, stopAllGroups } from "../lib/process-group.mjs";

export const name = "bare-node";
export const applies = new Set(["crash"]);

const app = fileURLToPath(new URL("./bare-node/app.mjs", import.meta.url));

export async function setup() {}

export async function teardown() {
  await stopAllGroups();
}

export async function crash({ samples }) {
  const log = createEventLog();
  const results = [];
  try {
    // One at a time, like a restart: nothing else starts while an instance boots.
    for (let id = 1; id <= samples; id++) {
      const spawnedAt = monotonicMilliseconds();
      const instance = spawnGroup(process.execPath, [app], { env: { ...process.env, ...log.environment, BARE_INSTANCE: String(id) } });
      try {
        const events = await log.waitFor(`instance ${id}`, loggedBy("running", id), {
          timeout: 10_000,
          failed: () => (instance.exit?.code ? exitReason(instance) : undefined),
        });
        results.push(byInstance(events, "running").get(id).time - spawnedAt);
        await instance.exited;
      } finally {
        await instance.stop();
      }
    }
    return results;
  } finally {
    log.remove();
  }
}
