/**
 * The StatePublisher for SAM's CMAP flag, backed by corosync's libcmap: the keys libsam writes under
 * `resources.process.<supervisor pid>.`, so corosync's watchdog (exec/wd.c) acts on them.
 */
import { SamError, corosyncPlugin, specificationVersion, describe, type PublishedState, type RecoveryPolicy, type StatePublisher } from "@samkit/core";
import { loadBinding } from "./load-binding.js";
import { Listeners } from "./listeners.js";
import { corosyncError } from "./corosync-errors.js";
import type { NativeBinding, NativeCmap } from "./native-binding.js";

export interface CorosyncCmapOptions {
  /** The addon, or a path to it (tests inject their own); default: the built addon. */
  binding?: NativeBinding | string;
  /** Hears of failed writes (corosync stopped): the supervisor goes on, the keys catch up on the next write. */
  onError?: (error: SamError) => void;
}

export interface CorosyncCmapPublisher extends StatePublisher {
  /** Marks corosync's own plugin: backend-native hands its work to libsam's flag. */
  readonly [corosyncPlugin]: true;
  /** `resources.process.<pid>.` once registered. */
  readonly prefix: string | undefined;
}

/** CMAP_KEYNAME_MAXLEN */
const keyNameLimit = 255;
const knownOptions = new Set(["binding", "onError"]);
// A connection that failed is not retried more often than this, so heartbeats do not hammer a stopped daemon.
const reopenInterval = 250;

export function corosyncCmap(options: CorosyncCmapOptions = {}): CorosyncCmapPublisher {
  if (typeof options !== "object" || options === null) throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/quorum-corosync: corosyncCmap() takes an options object; got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!knownOptions.has(key)) throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/quorum-corosync: corosyncCmap() has no option ${JSON.stringify(key)}; the options are ${[...knownOptions].join(", ")}`);
  }
  if (options.onError !== undefined && typeof options.onError !== "function") throw new SamError("CS_ERR_INVALID_PARAM", "@samkit/quorum-corosync: options.onError must be a function");

  let cmap: NativeCmap | undefined;
  let binding: NativeBinding | undefined;
  let prefix: string | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  let closed = false;
  const errorListeners = new Listeners<SamError>("onError");

  /** Runs a write on an open connection; reopens once when corosync was restarted under it. */
  const write = (doing: string, action: (handle: NativeCmap) => void): void => {
    if (closed) throw new SamError("CS_ERR_BAD_HANDLE", "@samkit/quorum-corosync: the CMAP publisher is closed");
    if (!prefix) throw new SamError("CS_ERR_BAD_HANDLE", "@samkit/quorum-corosync: register() the CMAP publisher first");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        cmap ??= new (binding as NativeBinding).Cmap();
        action(cmap);
        failedAt = Number.NEGATIVE_INFINITY;
        return;
      } catch (error) {
        cmap?.close();
        cmap = undefined;
        if (attempt === 1) {
          failedAt = performance.now();
          throw corosyncError(error, doing);
        }
      }
    }
  };

  const setKey = (name: string, value: string) => write(`writing ${prefix}${name}`, (handle) => handle.setString(`${prefix}${name}`, value));

  return {
    specificationVersion,
    name: "corosync-cmap",
    [corosyncPlugin]: true,
    get prefix() {
      return prefix;
    },
    async register({ pid, recovery, pollPeriod }) {
      binding = loadBinding(options.binding);
      const candidate = `resources.process.${pid}.`;
      if (candidate.length + "last_updated".length >= keyNameLimit) {
        throw new SamError("CS_ERR_NAME_TOO_LONG", `@samkit/quorum-corosync: ${candidate} is too long for a CMAP key`);
      }
      prefix = candidate;
      setKey("recovery", recovery);
      write(`writing ${prefix}poll_period`, (handle) => handle.setUint64(`${prefix}poll_period`, BigInt(pollPeriod)));
    },
    async setState(state: PublishedState) {
      setKey("state", state);
    },
    async setRecovery(recovery: RecoveryPolicy) {
      setKey("recovery", recovery);
    },
    touch() {
      // Called for every message from the instance: a failure is reported, never thrown.
      if (closed || !prefix || performance.now() - failedAt < reopenInterval) return;
      try {
        write(`writing ${prefix}last_updated`, (handle) => handle.touch(`${prefix}last_updated`));
      } catch (error) {
        options.onError?.(error as SamError);
        errorListeners.tell(error as SamError);
      }
    },
    onError: (listener) => errorListeners.add(listener),
    async remove() {
      if (!prefix) return;
      const keyPrefix = prefix;
      write(`deleting ${keyPrefix}*`, (handle) => {
        for (const key of handle.keys(keyPrefix)) handle.deleteKey(key);
      });
    },
    async close() {
      closed = true;
      cmap?.close();
      cmap = undefined;
    },
  };
}
