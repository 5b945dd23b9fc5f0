/**
 * samkit-guard (native/src/guard.c): the small program between the supervisor and each instance,
 * where it runs (Linux, with the part prebuilt or built), so that nothing an instance starts
 * outlives the instance or a killed supervisor. Elsewhere instances are started directly, as
 * before; docs/decisions/no-orphans.md says why and how.
 */
import type { Socket } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getSystemErrorName } from "node:util";
import { locateExecutable } from "@samkit/native-build";
import type { EntryCommand } from "@samkit/backend-kit";
import { markerVariable } from "./marker-variable.js";

/**
 * The real-time signal that asks the guard to SIGKILL the instance and everything it started, then
 * die by SIGKILL; the guard's parent-death signal too. A number, as Node has no names for these:
 * above SIGRTMIN under both glibc and musl, and used by neither.
 */
export const treeKillSignal = 40;

/** The guard's descriptor for its report (the instance's PID): after the channel (3) and the data file (4). */
export const reportFd = 5;

export type Guard = { path: string; reason?: undefined } | { path?: undefined; reason: string };

let located: Guard | undefined;

/** The guard, found and checked once per process (its check runs it once); or why instances go without. */
export function findGuard(wanted: boolean): Guard {
  if (!wanted) return { reason: "the guard option is false" };
  if (located) return located;
  if (process.platform !== "linux") return (located = { reason: `samkit-guard runs on Linux only, not ${process.platform}` });
  try {
    // import.meta.url, which rollup turns into this file's URL in the CJS build too.
    const packageDirectory = resolve(dirname(fileURLToPath(import.meta.url)), "..");
    located = { path: locateExecutable(packageDirectory, "samkit-guard") };
  } catch (error) {
    located = { reason: (error instanceof Error ? error.message : String(error)).split("\n")[0]! };
  }
  return located;
}

/**
 * The guard's arguments for `entry`. `session`: the instance leads a session and process group of
 * its own, as Node's `detached` would make it; `nice`: the priority it starts with, set by the
 * guard before the instance inherits it.
 */
export function guardArguments(entry: EntryCommand, session: boolean, nice: number | undefined): string[] {
  return [
    "--kill-signal",
    String(treeKillSignal),
    "--marker",
    markerVariable,
    "--report",
    String(reportFd),
    ...(session ? ["--session"] : []),
    ...(nice === undefined ? [] : ["--nice", String(nice)]),
    "--",
    entry.command,
    ...entry.args,
  ];
}

/**
 * Reads the guard's one line: the instance's PID, or `!<errno>` when its command could not be run,
 * which becomes the error Node's own spawn() would have given.
 */
export function readReport(report: Socket, entry: EntryCommand, onPid: (pid: number) => void, onError: (error: Error) => void): void {
  let text = "";
  let told = false;
  report.setEncoding("latin1");
  report.on("data", (chunk: string) => {
    if (told) return;
    text += chunk;
    const line = /^(!?)(\d{1,10})\n/.exec(text);
    if (!line) return;
    told = true;
    const value = Number(line[2]);
    if (line[1] === "") {
      onPid(value);
      return;
    }
    const code = getSystemErrorName(-value);
    onError(Object.assign(new Error(`spawn ${entry.command} ${code}`), { errno: -value, code, syscall: `spawn ${entry.command}`, path: entry.command, spawnargs: entry.args }));
  });
  // The guard is gone before it said anything: its exit tells the rest.
  report.on("error", () => {});
}
