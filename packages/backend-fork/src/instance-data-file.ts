/**
 * The supervisor's side of an instance's data file (the format is core's data-file.ts): made for
 * each instance it starts, passed as the instance's fd 4, read once the instance is gone.
 */
import { closeSync, constants, openSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { readDataFile, samErrorFromSystemError, type DataFileContents } from "@samkit/core";

/** The instance's descriptor for its data file: the one after the channel. */
export const dataFileFd = 4;

let directory: string | undefined;

/** /dev/shm where there is one: the data is memory either way, and there no write-back to a disk follows. */
function fileDirectory(): string {
  if (directory === undefined) {
    try {
      const probe = join("/dev/shm", `samkit-probe-${process.pid}-${randomBytes(6).toString("hex")}`);
      closeSync(openSync(probe, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR, 0o600));
      unlinkSync(probe);
      directory = "/dev/shm";
    } catch {
      directory = tmpdir();
    }
  }
  return directory;
}

/** A new, empty data file that only this process (and the instance it is given to) holds. */
export function openInstanceDataFile(): number {
  const path = join(fileDirectory(), `samkit-data-${process.pid}-${randomBytes(6).toString("hex")}`);
  try {
    const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR, 0o600);
    unlinkSync(path);
    return fd;
  } catch (error) {
    throw samErrorFromSystemError(error, `@samkit/backend-fork: could not make a data file for the instance in ${fileDirectory()}`);
  }
}

/** What the instance stored last, read once it is gone; the file is closed (and so freed). */
export function collectInstanceData(fd: number): DataFileContents {
  try {
    return readDataFile(fd);
  } finally {
    closeSync(fd);
  }
}
