/**
 * A DataStore that keeps SAM's data in a file, so it survives the supervisor, a crash and a power cut.
 */
import { open, readdir, rename, unlink, constants } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { SamError, samErrorFromSystemError, specificationVersion, describe, type DataStore } from "@samkit/core";
import { decodeDataFile, encodeDataFile, FormatError, headerSize } from "./file-format.js";
import { FileLock } from "./file-lock.js";
import { syncFolder, temporaryPrefix, writeFileAtomic } from "./atomic-write.js";

export const defaultMaxSize = 64 * 1024 * 1024;

export interface FileStoreOptions {
  /** The data file. A relative path is resolved against the current folder when fileStore() is called. */
  path: string;
  /** The largest data in bytes, for save() and for a file being loaded; default 64 MiB. */
  maxSize?: number;
  /**
   * What load() does with a corrupt, truncated, empty or foreign file: `fail` (default) throws a
   * SamError naming the file and the fault; `move-aside` renames it to `<path>.corrupt-<time>` and
   * starts with no data.
   */
  onCorrupt?: "fail" | "move-aside";
}

export interface FileStore extends DataStore {
  /** The absolute path of the data file. */
  readonly path: string;
}

const knownOptions = new Set(["path", "maxSize", "onCorrupt"]);
const noFollow = constants.O_NOFOLLOW ?? 0;

function invalid(message: string): SamError {
  return new SamError("CS_ERR_INVALID_PARAM", `@samkit/store-file: ${message}`);
}

function validate(options: unknown): Required<FileStoreOptions> {
  if (typeof options !== "object" || options === null) throw invalid(`fileStore() takes { path }, e.g. fileStore({ path: "/var/lib/myapp/sam.data" }); got ${describe(options)}`);
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!knownOptions.has(key)) throw invalid(`fileStore() has no option ${JSON.stringify(key)}; the options are ${[...knownOptions].join(", ")}`);
  }
  const { path, maxSize = defaultMaxSize, onCorrupt = "fail" } = given;
  if (typeof path !== "string" || path.length === 0 || path.includes("\0")) throw invalid(`options.path must be a file path; got ${describe(path)}`);
  if (typeof maxSize !== "number" || !Number.isInteger(maxSize) || maxSize < 0 || maxSize > 1024 * 1024 * 1024) {
    throw invalid(`options.maxSize must be an integer number of bytes from 0 to 1073741824; got ${describe(maxSize)}`);
  }
  if (onCorrupt !== "fail" && onCorrupt !== "move-aside") throw invalid(`options.onCorrupt must be 'fail' or 'move-aside'; got ${describe(onCorrupt)}`);
  return { path: isAbsolute(path) ? path : resolve(path), maxSize, onCorrupt };
}

function systemError(error: unknown, context: string): SamError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ELOOP") {
    return new SamError("CS_ERR_SECURITY", `${context}: it is a symbolic link, which the store does not follow; point options.path at the real file`, { cause: error });
  }
  if (code === "EROFS") return new SamError("CS_ERR_ACCESS", `${context}: the file system is read-only`, { cause: error });
  return samErrorFromSystemError(error, context);
}

/** The data file `<path>`, its lock `<path>.lock` and temporary files `.<name>.tmp-*` beside it. */
export function fileStore(options: FileStoreOptions): FileStore {
  const { path, maxSize, onCorrupt } = validate(options);
  const folder = dirname(path);
  const lock = new FileLock(`${path}.lock`, path);
  let closed = false;
  // Saves run one after another, so the last one called is the one that stays.
  let queue: Promise<unknown> = Promise.resolve();

  const assertOpen = (call: string) => {
    if (closed) throw new SamError("CS_ERR_BAD_HANDLE", `@samkit/store-file: ${call} after close() (${path})`);
  };

  /** Takes the lock on first use, and clears temporary files a crash may have left. */
  const ready = async () => {
    if (lock.held) return;
    lock.acquire();
    const prefix = temporaryPrefix(path);
    try {
      for (const name of await readdir(folder)) {
        if (name.startsWith(prefix)) await unlink(join(folder, name)).catch(() => {});
      }
    } catch (error) {
      lock.release();
      throw systemError(error, `@samkit/store-file: cannot read the folder ${folder}`);
    }
  };

  const readFile = async (): Promise<Buffer | null> => {
    let handle;
    try {
      // O_NONBLOCK: a FIFO planted under our name must not hang the supervisor.
      handle = await open(path, constants.O_RDONLY | noFollow | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw systemError(error, `@samkit/store-file: cannot open ${path}`);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new FormatError("foreign", "it is not a regular file");
      if (stat.size > headerSize + maxSize) {
        throw new SamError("CS_ERR_TOO_BIG", `@samkit/store-file: ${path} holds ${stat.size - headerSize} bytes of data, more than maxSize (${maxSize}); raise maxSize to load it`);
      }
      return await handle.readFile();
    } catch (error) {
      if (error instanceof FormatError || SamError.isInstance(error)) throw error;
      throw systemError(error, `@samkit/store-file: cannot read ${path}`);
    } finally {
      await handle.close();
    }
  };

  const moveAside = async (fault: FormatError) => {
    const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    try {
      await rename(path, aside);
      await syncFolder(folder);
    } catch (error) {
      throw systemError(error, `@samkit/store-file: ${path} is ${fault.message}, and moving it aside to ${aside} failed`);
    }
    process.emitWarning(`@samkit/store-file: ${path} was ${fault.message}; moved it to ${aside} and started with no data`, { code: "SAMKIT_STORE_MOVED_ASIDE" });
  };

  return {
    specificationVersion,
    name: "file",
    path,

    async load() {
      assertOpen("load()");
      await ready();
      try {
        const file = await readFile();
        if (file === null) return null;
        try {
          return decodeDataFile(file);
        } catch (error) {
          if (!(error instanceof FormatError)) throw error;
          if (onCorrupt === "move-aside") {
            await moveAside(error);
            return null;
          }
          throw error;
        }
      } catch (error) {
        lock.release();
        if (error instanceof FormatError) {
          throw new SamError(
            "CS_ERR_MESSAGE_ERROR",
            `@samkit/store-file: ${path} is ${error.message}. Nothing was loaded and the file is left as it is: move it away (or restore it from a backup) and start again, or use onCorrupt: 'move-aside' to have it moved aside and start with no data.`,
            { cause: error },
          );
        }
        throw error;
      }
    },

    save(data) {
      const run = async () => {
        assertOpen("save()");
        if (data !== null && !(data instanceof Uint8Array)) throw invalid(`save() takes a Uint8Array or null; got ${describe(data)}`);
        if (data !== null && data.byteLength > maxSize) {
          throw new SamError("CS_ERR_TOO_BIG", `@samkit/store-file: ${data.byteLength} bytes are more than maxSize (${maxSize}) for ${path}; store less, or raise maxSize`);
        }
        await ready();
        try {
          await writeFileAtomic(path, encodeDataFile(data === null || data.byteLength === 0 ? null : data));
        } catch (error) {
          throw systemError(error, `@samkit/store-file: cannot write ${path}; the data stored before is kept`);
        }
      };
      const result = queue.then(run, run);
      queue = result.catch(() => {});
      return result;
    },

    async close() {
      if (closed) return;
      closed = true;
      await queue;
      lock.release();
    },
  };
}

