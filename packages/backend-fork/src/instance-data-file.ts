/**
 * The supervisor's side of an instance's data file (the format is core's data-file.ts): made for
 * each instance it starts, passed as the instance's fd 4, read once the instance is gone.
 */
import { closeSync, constants, openSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { readDataFile, type DataFileContents } from "@samkit/backend-kit";

/** The instance's descriptor for its data file: the one after the channel. */
export const dataFileFd = 4;

/**
 * /dev/shm where a file can be made there (the data is memory either way, and there no write-back
 * to a disk follows), else the temporary directory: decided by the first file.
 */
let directory: string | undefined;

function createIn(folder: string): number {
  const path = join(folder, `samkit-data-${process.pid}-${randomBytes(6).toString("hex")}`);
  const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR, 0o600);
  try {
    unlinkSync(path);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/** A new, empty data file that only this process (and the instance it is given to) holds; throws the system error. */
export function openInstanceDataFile(): number {
  if (directory !== undefined) return createIn(directory);
  try {
    const fd = createIn("/dev/shm");
    directory = "/dev/shm";
    return fd;
  } catch {
    directory = tmpdir();
    return createIn(directory);
  }
}

/** What the instance stored last, read once it is gone (at most `maxSize` bytes); the file is closed (and so freed). */
export function collectInstanceData(fd: number, maxSize: number): DataFileContents {
  try {
    return readDataFile(fd, maxSize);
  } finally {
    closeSync(fd);
  }
}
