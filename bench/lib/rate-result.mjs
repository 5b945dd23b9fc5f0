// The heartbeat-rate result every subject reports, from its event log and the supervisor's usage.
import { valuesOf } from "./event-log.mjs";

/** `sent`: heartbeats the instance sent; `falseTimeouts`: warnings it got while healthy. */
export function rateResult(events, usage) {
  return {
    sent: valuesOf(events, "paced")[0],
    falseTimeouts: events.filter((entry) => entry.event === "warn").length,
    supervisorCpuPercent: usage.cpuPercent,
  };
}
