/**
 * A QuorumSource backed by corosync's libquorum. The state is read at connect(), every change is
 * reported as it is dispatched on the event loop, and a lost connection (corosync stopped) is
 * reported as not quorate plus an error; it reconnects when corosync is back.
 */
import { SamError, corosyncPlugin, specificationVersion, describe, type QuorumSource } from "@samkit/core";
import { loadBinding } from "./load-binding.js";
import { Listeners } from "./listeners.js";
import { corosyncError } from "./corosync-errors.js";
import type { NativeBinding, NativeQuorum } from "./native-binding.js";

export interface CorosyncQuorumOptions {
  /** Milliseconds between reconnection attempts after corosync went away; default 500. */
  reconnectInterval?: number;
  /** The addon, or a path to it (tests inject their own); default: the built addon. */
  binding?: NativeBinding | string;
}

export interface CorosyncQuorumSource extends QuorumSource {
  /** Marks corosync's own plugin: backend-native hands its work to libsam's flag. */
  readonly [corosyncPlugin]: true;
  /** Hears of a lost connection (and failed reconnections, once per outage). */
  onError(listener: (error: SamError) => void): () => void;
  /** Whether a connection to corosync is open now. */
  readonly connected: boolean;
}

const knownOptions = new Set(["reconnectInterval", "binding"]);

export function corosyncQuorum(options: CorosyncQuorumOptions = {}): CorosyncQuorumSource {
  if (typeof options !== "object" || options === null) throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/quorum-corosync: corosyncQuorum() takes an options object; got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!knownOptions.has(key)) throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/quorum-corosync: corosyncQuorum() has no option ${JSON.stringify(key)}; the options are ${[...knownOptions].join(", ")}`);
  }
  const reconnectInterval = options.reconnectInterval ?? 500;
  if (!Number.isInteger(reconnectInterval) || reconnectInterval < 10 || reconnectInterval > 3_600_000) {
    throw new SamError("CS_ERR_INVALID_PARAM", `@samkit/quorum-corosync: reconnectInterval must be an integer number of milliseconds from 10 to 3600000; got ${describe(reconnectInterval)}`);
  }

  let binding: NativeBinding | undefined;
  let handle: NativeQuorum | undefined;
  let quorate = false;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let outageReported = false;
  const listeners = new Listeners<boolean>("onChange");
  const errorListeners = new Listeners<SamError>("onError");

  const set = (next: boolean) => {
    if (next === quorate) return;
    quorate = next;
    listeners.tell(next);
  };
  const reportError = (error: SamError) => {
    errorListeners.tell(error);
  };

  const open = () => {
    const opened = new (binding as NativeBinding).Quorum(
      (next) => {
        if (handle === opened) set(next);
      },
      (csError) => {
        if (handle !== opened) return;
        handle = undefined;
        set(false);
        reportError(corosyncError({ csError, call: "quorum_dispatch", message: "" }, "lost the connection to corosync; not quorate until it is back"));
        scheduleReconnect();
      },
    );
    handle = opened;
    outageReported = false;
    set(opened.quorate());
  };

  const scheduleReconnect = () => {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (closed || handle) return;
      try {
        open();
      } catch (error) {
        if (!outageReported) {
          outageReported = true;
          reportError(corosyncError(error, `reconnecting to corosync failed; retrying every ${reconnectInterval} ms`));
        }
        scheduleReconnect();
      }
    }, reconnectInterval);
  };

  return {
    specificationVersion,
    name: "corosync",
    [corosyncPlugin]: true,
    async connect() {
      if (closed) throw new SamError("CS_ERR_BAD_HANDLE", "@samkit/quorum-corosync: connect() after close()");
      if (handle) return;
      binding = loadBinding(options.binding);
      try {
        open();
      } catch (error) {
        throw corosyncError(error, "cannot connect to corosync's quorum service");
      }
    },
    isQuorate() {
      return handle !== undefined && quorate;
    },
    onChange: (listener) => listeners.add(listener),
    onError: (listener) => errorListeners.add(listener),
    async close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      handle?.close();
      handle = undefined;
      listeners.clear();
      errorListeners.clear();
    },
    get connected() {
      return handle !== undefined;
    },
  };
}
