/**
 * The folder that holds samctl's sockets. One that does not exist is created private (mode 0700);
 * one that exists is never changed (a shared /tmp or a home folder keeps its mode): it is used only
 * if it is a real folder, owned by this user, that group and others can neither read nor write.
 */
import { chmodSync, lstatSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "./usage-error.js";

/** `$SAMKIT_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/samkit`, `/run/samkit` for root, else `<tmp>/samkit-<uid>`. */
export function runtimeFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SAMKIT_RUNTIME_DIR) return env.SAMKIT_RUNTIME_DIR;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "samkit");
  if (process.getuid?.() === 0) return "/run/samkit";
  return join(tmpdir(), `samkit-${process.getuid?.() ?? "user"}`);
}

const elsewhere = "set SAMKIT_RUNTIME_DIR to a private folder, or to one that does not exist yet (samctl creates it with mode 0700)";

/** Why `folder` may not hold samctl's sockets, or undefined when it may. */
function folderProblem(folder: string): string | undefined {
  const stat = lstatSync(folder);
  if (stat.isSymbolicLink()) return `is a link; ${elsewhere}`;
  if (!stat.isDirectory()) return `is not a folder; ${elsewhere}`;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) return `is owned by another user (uid ${stat.uid}); ${elsewhere}`;
  if ((stat.mode & 0o077) !== 0) {
    // A shared folder such as /tmp must keep its mode: samctl only says so.
    return `may be read or written by group or others (mode ${(stat.mode & 0o7777).toString(8)}), and samctl does not change a folder it did not make; ${elsewhere}`;
  }
  return undefined;
}

function refuse(folder: string, problem: string): never {
  throw new UsageError(`the runtime folder ${folder} ${problem}`);
}

/** For `samctl run`: creates `folder` private when it is missing; refuses an existing one that is not. */
export function preparePrivateFolder(folder: string): void {
  let created: string | undefined;
  try {
    created = mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    // A file or a dangling link in its place is described below; anything else is said as it is.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") refuse(folder, `cannot be created: ${(error as Error).message}; ${elsewhere}`);
  }
  // Made just now (it, or a parent of it), so ours to set: the umask may have taken bits from 0700.
  if (created !== undefined) chmodSync(folder, 0o700);
  const problem = folderProblem(folder);
  if (problem !== undefined) refuse(folder, problem);
}

/** For `samctl status` and `stop`: whether `folder` exists; an existing one must be private. */
export function existingPrivateFolder(folder: string): boolean {
  let problem: string | undefined;
  try {
    problem = folderProblem(folder);
  } catch (error) {
    // Missing, or a path through a file: nothing runs there.
    if (["ENOENT", "ENOTDIR"].includes((error as NodeJS.ErrnoException).code ?? "")) return false;
    throw error;
  }
  if (problem !== undefined) refuse(folder, problem);
  return true;
}

/** The longest path a Unix socket can have: sun_path less its NUL, 108 bytes on Linux, 104 elsewhere. */
export const socketPathLimit = process.platform === "linux" ? 107 : 103;

/** Why `path` cannot name a socket (a longer one would be cut), or undefined when it can. */
export function socketPathProblem(path: string): string | undefined {
  const bytes = Buffer.byteLength(path);
  return bytes > socketPathLimit ? `${path} is ${bytes} bytes long; a socket path may be at most ${socketPathLimit} bytes` : undefined;
}

/** Refuses, before any socket is made, paths that would not fit in a socket's address. */
export function checkSocketPaths(paths: readonly string[]): void {
  for (const path of paths) {
    const problem = socketPathProblem(path);
    if (problem !== undefined) throw new UsageError(`${problem}: set SAMKIT_RUNTIME_DIR to a shorter folder`);
  }
}
