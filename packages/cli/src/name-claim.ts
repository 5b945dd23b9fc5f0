/**
 * A samctl's name in the runtime folder, held by exactly one samctl even when several start at once.
 *
 * Each samctl listens on a socket of its own, under a name nobody else uses (`.<name>.<random>`),
 * then makes `<name>.sock` a symbolic link to it. symlink(2) is atomic: one samctl wins, the others
 * find the name taken (EEXIST) and ask the socket it points to. A socket that answers is a running
 * samctl. One that refuses (ECONNREFUSED: its samctl was SIGKILLed) is stale, and the first process
 * to rename that socket away, and no other, removes the name: the socket's name is never used again,
 * so a second process cannot remove the same claim, nor a newer one, and the name keeps pointing at
 * the stale socket, so nobody can claim it, until that removal.
 */
import { lstatSync, readdirSync, readlinkSync, renameSync, symlinkSync, unlinkSync, chmodSync } from "node:fs";
import { createConnection, type Server } from "node:net";
import { randomBytes } from "node:crypto";
import { basename, join } from "node:path";
import { checkSocketPaths } from "./runtime-folder.js";
import { isName } from "./samctl-name.js";
import { UsageError } from "./usage-error.js";

/** The files of a name in `folder`. */
export interface NamePaths {
  /** `<name>.sock`: the link that `samctl status` and `stop` connect through. */
  readonly control: string;
  /** `<name>.notify`: the systemd notify socket beside it. */
  readonly notify: string;
  /** The socket this samctl listens on; `control` links to it. */
  readonly own: string;
}

/** A random part of six bytes: its length is fixed, so the paths can be checked before they exist. */
const ownNameExpression = /^\.[\w.@-]+\.[\w-]{8}$/;

export function namePaths(folder: string, name: string): NamePaths {
  return { control: join(folder, `${name}.sock`), notify: join(folder, `${name}.notify`), own: join(folder, `.${name}.${randomBytes(6).toString("base64url")}`) };
}

/** Whether something listens on the socket at `path`: `missing` when there is none. */
function knock(path: string): Promise<"answers" | "refused" | "missing"> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve("answers");
    });
    // Only a refusal proves nothing listens; anything else (a full backlog) might be a live samctl.
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED" ? "refused" : error.code === "ENOENT" ? "missing" : "answers"));
  });
}

type Holder = { state: "answers" | "refused"; own: string } | { state: "missing" | "unnamed" | "foreign" };

/** Who holds the name whose link is `control`: `unnamed` when there is no link, `foreign` for a file no samctl of this user made. */
async function holderOf(folder: string, control: string): Promise<Holder> {
  const uid = process.getuid?.();
  const mine = (path: string) => uid === undefined || lstatSync(path).uid === uid;
  let own: string;
  try {
    if (!lstatSync(control).isSymbolicLink() || !mine(control)) return { state: "foreign" };
    own = readlinkSync(control);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: "unnamed" };
    throw error;
  }
  if (!ownNameExpression.test(own)) return { state: "foreign" };
  try {
    if (!mine(join(folder, own))) return { state: "foreign" };
  } catch (error) {
    // A link to nothing: a stale claim that another process is removing.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { state: "missing" };
    throw error;
  }
  const state = await knock(join(folder, own));
  return state === "missing" ? { state } : { state, own };
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}

/** Removes the stale claim of `name` whose socket is `own`, unless another process is already doing it. */
function removeStale(folder: string, name: string, own: string): void {
  const paths = namePaths(folder, name);
  const aside = join(folder, `${own}.stale`);
  try {
    renameSync(join(folder, own), aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  // This process alone removes this claim; the link goes last, as the link is what keeps the name taken.
  unlinkQuietly(paths.notify);
  unlinkQuietly(paths.control);
  unlinkQuietly(aside);
}

export interface Claim {
  readonly paths: NamePaths;
  /** Removes this samctl's files (the notify socket, the link, its socket), at its exit. */
  release(): void;
}

/**
 * Takes `name` in the private `folder` for `server`, which listens (mode 0600) on a socket of its
 * own. A usage error when another samctl holds the name.
 */
export async function claimName(folder: string, name: string, server: Server): Promise<Claim> {
  const paths = namePaths(folder, name);
  // The umask makes the socket 0600 from the start, not only after the chmod.
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(paths.own, () => resolve());
    });
  } finally {
    process.umask(previous);
  }
  chmodSync(paths.own, 0o600);
  const ownName = basename(paths.own);
  const release = () => {
    unlinkQuietly(paths.notify);
    try {
      if (readlinkSync(paths.control) === ownName) unlinkSync(paths.control);
    } catch {
      // Not ours, or gone.
    }
    unlinkQuietly(paths.own);
  };
  try {
    // Each round either wins, finds a running samctl, or removes a stale claim; a claim being removed takes a moment.
    for (let round = 0; round < 200; round++) {
      try {
        symlinkSync(ownName, paths.control);
        return { paths, release };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = await holderOf(folder, paths.control);
      if (holder.state === "answers") throw new UsageError(`another samctl named "${name}" runs (${paths.control}); give this one another --name`);
      if (holder.state === "foreign") throw new UsageError(`${paths.control} is not a samctl of this user's; remove it, or give this one another --name`);
      if (holder.state === "refused") removeStale(folder, name, holder.own);
      else if (holder.state === "missing") await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new UsageError(`${paths.control} points to a socket that is gone (a samctl was killed while it removed a stale name); remove ${paths.control}`);
  } catch (error) {
    // The name's files are another samctl's: only this one's own socket goes.
    server.close();
    unlinkQuietly(paths.own);
    throw error;
  }
}

/**
 * The file of the running samctl named `name` to connect to, or undefined when none runs; a stale
 * claim found on the way is removed.
 */
export async function runningControl(folder: string, name: string): Promise<string | undefined> {
  const paths = namePaths(folder, name);
  checkSocketPaths([paths.control]);
  const holder = await holderOf(folder, paths.control);
  if (holder.state === "refused") removeStale(folder, name, holder.own);
  return holder.state === "answers" ? paths.control : undefined;
}

/** The names of the samctl that run in `folder`; the stale claims found on the way are removed. */
export async function runningNames(folder: string): Promise<string[]> {
  const names: string[] = [];
  for (const file of readdirSync(folder)) {
    const name = file.slice(0, -".sock".length);
    if (!file.endsWith(".sock") || !isName(name)) continue;
    if ((await runningControl(folder, name)) !== undefined) names.push(name);
  }
  return names;
}
