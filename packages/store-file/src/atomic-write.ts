/**
 * Replaces a file so that a crash at any moment leaves either the old or the new content: write a
 * temporary file in the same folder, fsync it, rename it over the old one, fsync the folder.
 */
import { randomBytes } from "node:crypto";
import { open, rename, unlink, constants } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

const noFollow = constants.O_NOFOLLOW ?? 0;

/** Temporary files of this store start with this, so a later load can clean up after a crash. */
export function temporaryPrefix(path: string): string {
  return `.${basename(path)}.tmp-`;
}

export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `content` to `path` atomically and durably, with mode 0600. */
export async function writeFileAtomic(path: string, content: Uint8Array): Promise<void> {
  const folder = dirname(path);
  const temporary = join(folder, `${temporaryPrefix(path)}${process.pid}-${randomBytes(6).toString("hex")}`);
  // O_EXCL and O_NOFOLLOW: never write through a file or link someone planted under our name.
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow, 0o600);
  let renamed = false;
  try {
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
    renamed = true;
    await syncFolder(folder);
  } finally {
    if (!renamed) await unlink(temporary).catch(() => {});
  }
}
