// The two restart measurements every subject shares, from the event log's lines.
import { byInstance } from "./event-log.mjs";

/**
 * crash: for instances 1..samples, the next instance's "running" minus this one's "crash", in
 * milliseconds.
 */
export function crashSamples(events, samples) {
  const crashes = byInstance(events, "crash");
  const running = byInstance(events, "running");
  return Array.from({ length: samples }, (_, index) => running.get(index + 2).time - crashes.get(index + 1).time);
}

/**
 * hang: for instances 1..samples, `warn` = the warning minus the last heartbeat ("beat") and
 * `next` = the next instance's "running" minus the last heartbeat, in milliseconds.
 * `isWarning(entry)` picks the warning lines: the instance's or the supervisor's, whichever
 * records it.
 */
export function hangSamples(events, samples, isWarning) {
  const beats = byInstance(events, "beat");
  const running = byInstance(events, "running");
  const warnings = new Map();
  for (const entry of events) if (isWarning(entry) && !warnings.has(entry.instance)) warnings.set(entry.instance, entry);
  return Array.from({ length: samples }, (_, index) => {
    const beat = beats.get(index + 1).time;
    return { warn: warnings.get(index + 1).time - beat, next: running.get(index + 2).time - beat };
  });
}
