/**
 * One supervisor per data file: a lock file beside it (`<path>.lock`) that names its owner by PID,
 * process start time and host. A lock whose owner is dead (a supervisor killed with SIGKILL) is
 * stale and taken over; a live owner gives CS_ERR_BUSY. Creating the lock is atomic (link(2) of a
 * complete temporary file); a stale one is removed only by the holder of a second, short-lived
 * lock (`<path>.lock.takeover`), after it looked at the lock again.
 */
import { closeSync, linkSync, lstatSync, openSync, readFileSync, readSync, unlinkSync, writeSync, constants } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { SamError, samErrorFromSystemError } from "@samkit/core";

export interface LockOwner {
  pid: number;
  /** The owner's start time in clock ticks since boot (/proc/<pid>/stat field 22), against PID reuse. */
  startTime: string | null;
  host: string;
}

/** A process's start time, or null where /proc cannot tell. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces; field 22 is the 20th after it.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function alive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  // The PID exists; it is the owner unless it was reused by a process started at another time.
  const startTime = processStartTime(owner.pid);
  return owner.startTime === null || startTime === null || startTime === owner.startTime;
}

const noFollow = constants.O_NOFOLLOW ?? 0;

/** A lock holds a line of JSON; more than this is not a lock of ours, and is not read whole. */
const lockSizeLimit = 4096;

function readOwner(lockPath: string): LockOwner | undefined {
  try {
    const fd = openSync(lockPath, constants.O_RDONLY | noFollow | (constants.O_NONBLOCK ?? 0));
    const buffer = Buffer.alloc(lockSizeLimit);
    let length: number;
    try {
      length = readSync(fd, buffer, 0, lockSizeLimit, 0);
    } finally {
      closeSync(fd);
    }
    if (length >= lockSizeLimit) return undefined;
    const owner = JSON.parse(buffer.subarray(0, length).toString("utf8")) as Partial<LockOwner>;
    if (typeof owner.pid === "number" && typeof owner.host === "string") {
      return { pid: owner.pid, startTime: typeof owner.startTime === "string" ? owner.startTime : null, host: owner.host };
    }
  } catch {
    // Unreadable or garbled: no owner can be named.
  }
  return undefined;
}

/** A synchronous pause of a few milliseconds (Atomics.wait on memory nobody notifies). */
const pause = new Int32Array(new SharedArrayBuffer(4));

export class FileLock {
  #held = false;

  constructor(
    readonly lockPath: string,
    private readonly dataPath: string,
  ) {}

  get held(): boolean {
    return this.#held;
  }

  acquire(): void {
    if (this.#held) return;
    const me: LockOwner = { pid: process.pid, startTime: processStartTime(process.pid), host: hostname() };
    const temporary = `${this.lockPath}.${process.pid}.${randomBytes(4).toString("hex")}`;
    try {
      const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow, 0o600);
      try {
        writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw samErrorFromSystemError(error, `@samkit/store-file: cannot create the lock ${this.lockPath} for ${this.dataPath}`);
    }
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          linkSync(temporary, this.lockPath);
          this.#held = true;
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
            throw samErrorFromSystemError(error, `@samkit/store-file: cannot take the lock ${this.lockPath}`);
          }
        }
        const owner = readOwner(this.lockPath);
        if (owner && (owner.host !== me.host || alive(owner))) {
          const where = owner.host === me.host ? "" : ` on host ${owner.host}`;
          throw new SamError(
            "CS_ERR_BUSY",
            `@samkit/store-file: ${this.dataPath} is in use by another supervisor (PID ${owner.pid}${where}); one supervisor per data file. Stop that one, or give this one another path.`,
          );
        }
        // Stale (its owner is dead) or garbled: removed under the takeover lock, so that no
        // process removes a lock another has just taken in its place.
        this.#removeStale(owner);
      }
      throw new SamError("CS_ERR_TRY_AGAIN", `@samkit/store-file: the lock ${this.lockPath} kept changing hands; try again`);
    } finally {
      try {
        unlinkSync(temporary);
      } catch {
        // Already gone.
      }
    }
  }

  /**
   * Removes the lock if it is still the stale one (`seen`), holding `<lock>.takeover` meanwhile:
   * two processes that both saw the stale lock cannot both remove a lock, one of them the fresh
   * lock of a third. A takeover left by a process that died in it is ignored after 10 s.
   */
  #removeStale(seen: LockOwner | undefined): void {
    const takeover = `${this.lockPath}.takeover`;
    let fd: number;
    try {
      fd = openSync(takeover, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw samErrorFromSystemError(error, `@samkit/store-file: cannot take over the stale lock ${this.lockPath}`);
      try {
        if (Date.now() - lstatSync(takeover).mtimeMs > 10_000) unlinkSync(takeover);
      } catch {
        // Gone meanwhile.
      }
      // Another process is taking it over: look again in a moment.
      Atomics.wait(pause, 0, 0, 2);
      return;
    }
    try {
      const now = readOwner(this.lockPath);
      if (now?.pid === seen?.pid && now?.startTime === seen?.startTime && now?.host === seen?.host) {
        try {
          unlinkSync(this.lockPath);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw samErrorFromSystemError(error, `@samkit/store-file: cannot remove the stale lock ${this.lockPath}`);
        }
      }
    } finally {
      closeSync(fd);
      unlinkSync(takeover);
    }
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    const owner = readOwner(this.lockPath);
    if (owner?.pid === process.pid) {
      try {
        unlinkSync(this.lockPath);
      } catch {
        // Someone removed it; nothing to release.
      }
    }
  }
}
