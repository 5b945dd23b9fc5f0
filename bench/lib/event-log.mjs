// The bench side of the event log: a file in a fresh temporary folder that instances append
// lines to (see event-log-writer.mjs and libsam/reference.c), read back and waited on.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventLogVariable } from "./event-log-writer.mjs";

// Instances record their own timestamps, so how soon the bench notices a line changes no
// measurement; polling rarely keeps the bench off the cores the supervisors are measured on.
const pollInterval = 20;

/**
 * A new, empty event log. `environment` is what to add to an instance's environment; `events()`
 * parses every line so far; `waitFor()` resolves with them once `done(events)` is true. Call
 * `remove()` when finished.
 */
export function createEventLog(prefix = "samkit-bench-") {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const path = join(folder, "events.log");
  writeFileSync(path, "");

  function events() {
    const lines = readFileSync(path, "utf8").split("\n");
    // The last piece is empty, or a line still being written by another process.
    lines.pop();
    return lines.map((line) => {
      const [event, time, instance, value] = line.split(" ");
      return { event, time: Number(time), instance: Number(instance), value: value === undefined ? undefined : Number(value) };
    });
  }

  /**
   * Polls until `done(events)` is true. Rejects after `timeout` ms, or as soon as `failed()`
   * returns an error message (e.g. the supervisor exited early).
   */
  async function waitFor(what, done, { timeout = 30_000, failed = () => undefined } = {}) {
    const started = Date.now();
    for (;;) {
      const current = events();
      if (done(current)) return current;
      const failure = failed();
      // The last line may have landed just before the process that wrote it exited.
      if (failure && done(events())) return events();
      if (failure) throw new Error(`${what}: ${failure}\nevents so far:\n${readFileSync(path, "utf8")}`);
      if (Date.now() - started > timeout) throw new Error(`${what}: not within ${timeout} ms\nevents so far:\n${readFileSync(path, "utf8")}`);
      await new Promise((resolve) => setTimeout(resolve, pollInterval));
    }
  }

  return {
    folder,
    path,
    environment: { [eventLogVariable]: path },
    events,
    waitFor,
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}

/** The events named `event`, by instance id. */
export function byInstance(events, event) {
  const found = new Map();
  for (const entry of events) if (entry.event === event) found.set(entry.instance, entry);
  return found;
}

/** A `done` predicate for `waitFor`: instance `id` has logged `event`. */
export function loggedBy(event, id) {
  return (events) => events.some((entry) => entry.event === event && entry.instance === id);
}

/** A `done` predicate for `waitFor`: `count` lines named `event` are in. */
export function countOf(event, count) {
  return (events) => events.filter((entry) => entry.event === event).length >= count;
}

/** The `value` of every line named `event`, in order. */
export function valuesOf(events, event) {
  return events.filter((entry) => entry.event === event).map((entry) => entry.value);
}
