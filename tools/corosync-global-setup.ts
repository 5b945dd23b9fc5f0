// Starts the throw-away test corosync once for the whole run (when this is root and corosync is
// installed), and stops it after. The check that no test left `resources.process.*` keys behind
// is a test (packages/conformance/test/corosync-leftovers.test.ts, run last), so it counts;
// here they are only cleaned up, so a failed run does not poison the next.
import { cmapDeletePrefix, cmapKeys, startTestCorosync, stopTestCorosync, testCorosyncAvailability } from "../packages/conformance/dist/index.js";

let startedHere = false;

export async function setup(): Promise<void> {
  const before = await testCorosyncAvailability();
  if (before.available) return;
  startedHere = await startTestCorosync();
  if (!startedHere) {
    const reason = (await testCorosyncAvailability()).reason || "this is not root";
    process.stdout.write(`[samkit] tests that need corosync are skipped: ${reason}\n`);
  }
}

export async function teardown(): Promise<void> {
  if (!(await testCorosyncAvailability()).available) return;
  const leftovers = await cmapKeys("resources.process.");
  if (leftovers.size > 0) await cmapDeletePrefix("resources.process.");
  if (startedHere) await stopTestCorosync();
}
