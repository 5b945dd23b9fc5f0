// Supervisors under test run in their own process group, so stopping one also stops every
// instance it forked, whatever state the run ended in.
import { spawn } from "node:child_process";

const running = new Set();

/**
 * Spawns `command` as the leader of a new process group. Returns the child with `exited` (a
 * promise of `{ code, signal }`), `exit` (the same once known, else undefined), `stderrText()`
 * and `stop()` (SIGKILL to the whole group, then waits for the leader).
 */
export function spawnGroup(command, args, options = {}) {
  const child = spawn(command, args, { ...options, detached: true, stdio: options.stdio ?? ["ignore", "ignore", "pipe"] });
  // Writing to a supervisor that has just died must not crash the bench.
  child.stdin?.on("error", () => {});
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (text) => {
    // Only the end matters for an error message.
    stderr = (stderr + text).slice(-4000);
  });
  const group = { child, exit: undefined };
  group.exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      group.exit = { code, signal };
      resolve(group.exit);
    });
    child.on("error", (error) => {
      group.exit = { code: null, signal: null, error };
      resolve(group.exit);
    });
  });
  group.stderrText = () => stderr;
  group.stop = async () => {
    killGroup(child.pid);
    await group.exited;
    // The leader may go before the instances it forked; they are in the group too.
    killGroup(child.pid);
    running.delete(group);
  };
  running.add(group);
  return group;
}

function killGroup(pid) {
  try {
    process.kill(-pid, "SIGKILL");
  } catch (error) {
    if (error.code !== "ESRCH") throw error;
  }
}

/** Why the group's leader is gone, for `waitFor({ failed })`; undefined while it runs. */
export function exitReason(group) {
  if (!group.exit) return undefined;
  const { code, signal, error } = group.exit;
  return `the supervisor exited early (${error ? error.message : signal ?? `code ${code}`})\n${group.stderrText()}`;
}

/** Stops every group still running: for teardown() and for a bench that is being interrupted. */
export async function stopAllGroups() {
  await Promise.all([...running].map((group) => group.stop()));
}

process.on("exit", () => {
  for (const group of running) killGroup(group.child.pid);
});
