// The instance side of the event log: one line per event, appended with one write(2) on an
// O_APPEND descriptor, so lines from several processes never interleave.
// Kept free of other imports: instances load it right after taking their start time.
import { openSync, writeSync } from "node:fs";

/** The environment variable that carries the log's path to every instance. */
export const eventLogVariable = "SAMKIT_BENCH_LOG";

let descriptor;

/**
 * Appends `<event> <time> <instance> [<value>]`. `time` is CLOCK_MONOTONIC milliseconds, the same
 * format the C reference writes.
 */
export function appendEvent(event, time, instance, value) {
  if (descriptor === undefined) {
    const path = process.env[eventLogVariable];
    if (!path) throw new Error(`${eventLogVariable} is not set: run this script through a bench subject`);
    descriptor = openSync(path, "a");
  }
  const fields = [event, time.toFixed(6), String(instance)];
  if (value !== undefined) fields.push(String(value));
  writeSync(descriptor, `${fields.join(" ")}\n`);
}
