/**
 * The marker that makes a process an instance: `SAMKIT_FORK_CHANNEL=<fd>:<supervisor pid>` in the
 * environment. It is read and removed when this module loads, so the instance's own children
 * (a Node child that also uses samkit, say) never take themselves for instances; and it only
 * counts when the parent process is the supervisor it names.
 */
import { isMainThread } from "node:worker_threads";

export const markerVariable = "SAMKIT_FORK_CHANNEL";

export interface InstanceMarker {
  /** The inherited file descriptor of the channel. */
  fd: number;
  /** The supervisor's PID. */
  supervisorPid: number;
}

export function parseMarker(value: string | undefined, parentPid: number): InstanceMarker | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,4}):(\d{1,10})$/.exec(value);
  if (!match) return undefined;
  const fd = Number(match[1]);
  const supervisorPid = Number(match[2]);
  if (fd < 3 || supervisorPid !== parentPid) return undefined;
  return { fd, supervisorPid };
}

function consumeMarker(): InstanceMarker | undefined {
  // Worker threads see a copy of the environment; the main thread owns the marker.
  if (!isMainThread) return undefined;
  const value = process.env[markerVariable];
  if (value === undefined) return undefined;
  delete process.env[markerVariable];
  return parseMarker(value, process.ppid);
}

// Symbol.for: if two copies of this package load in one process, the second must see what the
// first consumed rather than nothing.
const slot = Symbol.for("samkit.backend-fork.marker");
type Slot = { marker: InstanceMarker | undefined; claimed: boolean };
const globalSlots = globalThis as unknown as Record<symbol, Slot | undefined>;
const shared: Slot = (globalSlots[slot] ??= { marker: consumeMarker(), claimed: false });

/** The marker this process was started with, if it is an instance. */
export function instanceMarker(): InstanceMarker | undefined {
  return shared.marker;
}

/** Takes the channel for register(); only one register() per process may have it. */
export function claimMarker(): boolean {
  if (shared.claimed) return false;
  shared.claimed = true;
  return true;
}
