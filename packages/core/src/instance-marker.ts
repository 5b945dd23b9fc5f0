/**
 * The marker that makes a process an instance: `<VARIABLE>=<fd>:<supervisor pid>` in the
 * environment, set by a backend's supervisor. It is removed from the environment when first read,
 * so the instance's own children (a Node child that also uses samkit, say) never take themselves
 * for instances; and it only counts when the parent process is the supervisor it names.
 */
import { isMainThread } from "node:worker_threads";

export interface InstanceMarker {
  /** The inherited file descriptor of the channel. */
  fd: number;
  /** The supervisor's PID (for backend-native, the relay's). */
  supervisorPid: number;
}

export function parseInstanceMarker(value: string | undefined, parentPid: number): InstanceMarker | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,4}):(\d{1,10})$/.exec(value);
  if (!match) return undefined;
  const fd = Number(match[1]);
  const supervisorPid = Number(match[2]);
  if (fd < 3 || supervisorPid !== parentPid) return undefined;
  return { fd, supervisorPid };
}

interface Slot {
  marker: InstanceMarker | undefined;
  claimed: boolean;
}

// Symbol.for: two copies of a backend in one process must see what the first one consumed.
const slots = globalThis as unknown as Record<symbol, Slot | undefined>;

function slot(variable: string): Slot {
  const key = Symbol.for(`samkit.instance-marker.${variable}`);
  let found = slots[key];
  if (!found) {
    let marker: InstanceMarker | undefined;
    // Worker threads see a copy of the environment; the main thread owns the marker.
    if (isMainThread && process.env[variable] !== undefined) {
      const value = process.env[variable];
      delete process.env[variable];
      marker = parseInstanceMarker(value, process.ppid);
    }
    found = slots[key] = { marker, claimed: false };
  }
  return found;
}

/** The marker this process was started with, if it is an instance; reading it consumes the variable. */
export function instanceMarker(variable: string): InstanceMarker | undefined {
  return slot(variable).marker;
}

/** Takes the process's one register(): false when it was taken already. */
export function claimRegistration(variable: string): boolean {
  const found = slot(variable);
  if (found.claimed) return false;
  found.claimed = true;
  return true;
}
