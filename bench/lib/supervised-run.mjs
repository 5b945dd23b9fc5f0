// One measurement run: a fresh event log, a supervisor in its own process group, and the
// certainty that both are gone afterwards, whatever happened in between.
import { createEventLog } from "./event-log.mjs";
import { exitReason, spawnGroup } from "./process-group.mjs";

/**
 * Starts `command args` with the event log's path in its environment and calls
 * `measure({ supervisor, log, waitFor })`, where `waitFor(what, done, options)` also fails as soon
 * as the supervisor exits without `done`. Returns what `measure` returns.
 */
export async function supervisedRun(command, args, measure, { stdin = false, environment = {} } = {}) {
  const log = createEventLog();
  const supervisor = spawnGroup(command, args, {
    env: { ...process.env, ...environment, ...log.environment },
    stdio: [stdin ? "pipe" : "ignore", "ignore", "pipe"],
  });
  const waitFor = (what, done, options = {}) => log.waitFor(what, done, { failed: () => exitReason(supervisor), ...options });
  try {
    return await measure({ supervisor, log, waitFor });
  } finally {
    await supervisor.stop();
    log.remove();
  }
}
