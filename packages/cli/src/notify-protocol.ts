/**
 * systemd's notify protocol, so a program written for systemd's watchdog runs under samctl
 * unchanged: samctl sets NOTIFY_SOCKET and WATCHDOG_USEC; READY=1 starts health checking,
 * WATCHDOG=1 is a heartbeat, STOPPING=1 stops it, STATUS= is shown by `samctl status`, and
 * WATCHDOG=trigger marks the program failed. Only the program's own process group is heard.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAddon } from "@samkit/native-build";
import type { Supervision } from "@samkit/backend-fork";

interface NotifyBinding {
  open(path: string, onMessage: (text: string, pid: number) => void): { close(): void };
}

/** The notify-socket addon (Unix datagram sockets, which Node lacks); throws NativePartError saying what is missing. */
function loadBinding(): NotifyBinding {
  // import.meta.url, which rollup turns into this file's URL in the CJS build: a `typeof __filename`
  // test would see `node -e`'s global __filename ("[eval]") from this ESM file.
  return loadAddon(resolve(dirname(fileURLToPath(import.meta.url)), ".."), "samkit_notify.node") as NotifyBinding;
}

function processGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}

export interface NotifyListener {
  /** The last STATUS= the program sent. */
  readonly status: string | undefined;
  close(): void;
}

/** Listens on `path`; messages go to the current instance of `current()`. */
export function listenForNotify(path: string, current: () => Supervision | undefined): NotifyListener {
  let status: string | undefined;
  const socket = loadBinding().open(path, (text, pid) => {
    const supervision = current();
    const instancePid = supervision?.status().instancePid;
    // The instance leads its own process group: a sender outside it is not the program.
    if (!supervision || !instancePid || processGroup(pid) !== instancePid) return;
    for (const line of text.split("\n")) {
      if (line === "READY=1") supervision.external("start");
      else if (line === "WATCHDOG=1") supervision.external("heartbeat");
      else if (line === "STOPPING=1") supervision.external("stop");
      else if (line === "WATCHDOG=trigger") supervision.external("mark-failed");
      else if (line.startsWith("STATUS=")) status = line.slice(7, 1007);
    }
  });
  return {
    get status() {
      return status;
    },
    close: () => socket.close(),
  };
}
