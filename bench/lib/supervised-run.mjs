// One measurement run: a fresh event log, a supervisor in its own process group, and the
// certainty that both are gone afterwards, whatever happened in between.
import { createEventLog } from "./event-log.mjs";
import { exitReason, spawnGroup } from "./process-group.mjs";

/**
 * Starts `command args` with the event log's path in its environment and calls
 * `measure({ supervisor, log, waitFor })`, where `waitFor(what, done, options)` also fails as soon
 * as the supervisor exits without `done`. Returns what `measure` returns.
 * `onLine(line)` gets each line of the supervisor's standard output (else it is ignored);
 * `beforeStop({ supervisor, log })` runs before the group is killed, and `afterStop` after.
 */
export async function supervisedRun(command, args, measure, { stdin = false, environment = {}, onLine, beforeStop, afterStop } = {}) {
  const log = createEventLog();
  const supervisor = spawnGroup(command, args, {
    env: { ...process.env, ...environment, ...log.environment },
    stdio: [stdin ? "pipe" : "ignore", onLine ? "pipe" : "ignore", "pipe"],
  });
  if (onLine) {
    let partial = "";
    supervisor.child.stdout.setEncoding("utf8").on("data", (text) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop();
      for (const line of lines) onLine(line, log);
    });
  }
  const waitFor = (what, done, options = {}) => log.waitFor(what, done, { failed: () => exitReason(supervisor), ...options });
  try {
    return await measure({ supervisor, log, waitFor });
  } finally {
    await beforeStop?.({ supervisor, log });
    await supervisor.stop();
    await afterStop?.({ supervisor, log });
    log.remove();
  }
}
