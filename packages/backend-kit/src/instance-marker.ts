/**
 * The marker that makes a process an instance: `<VARIABLE>=<fd>:<supervisor pid>[:spare][:data<fd>]`
 * in the environment, set by a backend's supervisor (`:spare` for a warm standby's spare, `:data`
 * for a data file, see data-file.ts). It is removed
 * from the environment when first read, so the instance's own children (a Node child that also
 * uses samkit, say) never take themselves for instances; and it only counts when the parent
 * process is the supervisor it names.
 */
import { isMainThread } from "./node-builtins.js";
import { SamError } from "@samkit/core";

export interface InstanceMarker {
  /** The inherited file descriptor of the channel. */
  fd: number;
  /** The supervisor's PID (for backend-native, the relay's). */
  supervisorPid: number;
  /** Started as a warm spare: its register() waits, parked, until the supervisor promotes it. */
  spare: boolean;
  /** The inherited descriptor of the data file the instance stores its data in, if it has one. */
  dataFd?: number;
}

/** The marker's text, as parseInstanceMarker() reads it (backend-native's relay writes the same in C). */
export function formatInstanceMarker(marker: InstanceMarker): string {
  return `${marker.fd}:${marker.supervisorPid}${marker.spare ? ":spare" : ""}${marker.dataFd === undefined ? "" : `:data${marker.dataFd}`}`;
}

/**
 * @param isAlive whether a process still exists. An instance whose supervisor died while it was
 * starting has been re-parented, so its parent is not the supervisor it names; it is still an
 * instance (its channel then reports the supervisor gone and it ends), not a new supervisor. A
 * process whose named supervisor lives on but is not its parent is the instance's own child.
 */
export function parseInstanceMarker(value: string | undefined, parentPid: number, isAlive: (pid: number) => boolean = () => true): InstanceMarker | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,4}):(\d{1,10})(:spare)?(?::data(\d{1,4}))?$/.exec(value);
  if (!match) return undefined;
  const fd = Number(match[1]);
  const supervisorPid = Number(match[2]);
  const dataFd = match[4] === undefined ? undefined : Number(match[4]);
  if (fd < 3 || supervisorPid < 1 || (dataFd !== undefined && (dataFd < 3 || dataFd === fd))) return undefined;
  if (supervisorPid !== parentPid && isAlive(supervisorPid)) return undefined;
  const marker: InstanceMarker = { fd, supervisorPid, spare: match[3] !== undefined };
  if (dataFd !== undefined) marker.dataFd = dataFd;
  return marker;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
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
    if (process.env[variable] !== undefined && isMainThread()) {
      const value = process.env[variable];
      delete process.env[variable];
      marker = parseInstanceMarker(value, process.ppid, processExists);
    }
    found = slots[key] = { marker, claimed: false };
  }
  return found;
}

/** The marker this process was started with, if it is an instance; reading it consumes the variable. */
export function instanceMarker(variable: string): InstanceMarker | undefined {
  return slot(variable).marker;
}

/**
 * Takes the process's one register(), the first step of a backend's register(): returns the
 * marker when this process is an instance, undefined when it is to become the supervisor, and
 * throws CS_ERR_BAD_HANDLE when the process has registered already.
 */
export function claimRegistration(variable: string, backendName: string): InstanceMarker | undefined {
  const found = slot(variable);
  if (found.claimed) {
    throw new SamError(
      "CS_ERR_BAD_HANDLE",
      `${backendName}: this process has already registered (as ${found.marker ? "an instance" : "the supervisor"}); one SAM handle per process registers`,
    );
  }
  found.claimed = true;
  return found.marker;
}
