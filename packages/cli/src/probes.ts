/**
 * Supervisor-driven health checks, like Kubernetes liveness probes: a command, an HTTP GET or a TCP
 * connection, each with a time-out. A pass is a heartbeat; a failure is simply not one.
 */
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { stat } from "node:fs/promises";
import type { ForkSupervisorEvent, Supervision } from "@samkit/backend-fork";
import { UsageError } from "./usage-error.js";

export type Probe = (timeout: number) => Promise<boolean>;

/** `--health-cmd "program arg..."`: split on white space, never given to a shell; exit 0 is healthy. */
export function commandProbe(text: string): Probe {
  const [program, ...args] = text.trim().split(/\s+/);
  if (!program) throw new UsageError("--health-cmd needs a command, e.g. --health-cmd \"test -e /run/app/alive\"");
  return (timeout) =>
    new Promise((resolve) => {
      const child = spawn(program, args, { stdio: "ignore", timeout, killSignal: "SIGKILL" });
      child.on("error", () => resolve(false));
      child.on("exit", (code) => resolve(code === 0));
    });
}

/**
 * `--health-file <path>`: the program (a shell script, say) proves it is alive by touching the
 * file; it passes while the file was modified within the last interval.
 */
export function fileProbe(path: string, interval: number): Probe {
  if (path.trim() === "") throw new UsageError("--health-file needs a file path");
  return async () => {
    try {
      const { mtimeMs } = await stat(path);
      return Date.now() - mtimeMs <= interval;
    } catch {
      return false;
    }
  };
}

/** `--health-http URL`: a GET answered with 2xx or 3xx in time is healthy. */
export function httpProbe(text: string): Probe {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--health-http: "${text}" is not a URL, e.g. http://127.0.0.1:8080/healthz`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--health-http: "${text}" is not an http or https URL`);
  return async (timeout) => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeout), redirect: "manual" });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 400;
    } catch {
      return false;
    }
  };
}

/** The syntax of `--health-tcp`, for a regular expression or a JSON Schema pattern. */
export const hostPortSyntax = String.raw`.+:\d{1,5}`;
const hostPortExpression = new RegExp(`^${hostPortSyntax}$`);

/** `--health-tcp host:port`: a connection accepted in time is healthy. */
export function tcpProbe(text: string): Probe {
  // The host is all before the last colon, so an IPv6 address in brackets keeps its own.
  const colon = text.lastIndexOf(":");
  const port = Number(text.slice(colon + 1));
  if (!hostPortExpression.test(text) || port < 1 || port > 65535) throw new UsageError(`--health-tcp: "${text}" is not host:port, e.g. 127.0.0.1:5432`);
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return (timeout) =>
    new Promise((resolve) => {
      const socket = connect({ host, port });
      const done = (healthy: boolean) => {
        socket.destroy();
        resolve(healthy);
      };
      socket.setTimeout(timeout, () => done(false));
      socket.once("connect", () => done(true));
      socket.once("error", () => done(false));
    });
}

/**
 * Runs `probe` for each instance of `supervision` (told by its `spawn` and `exit` events): the
 * instance counts as started once it runs, and each pass, every interval / 2 with that as its
 * time-out, is a heartbeat given through the supervisor's external health seam.
 */
export function probeInstances(probe: Probe, interval: number, supervision: () => Pick<Supervision, "external"> | undefined): (event: ForkSupervisorEvent) => void {
  const period = Math.max(10, Math.floor(interval / 2));
  let timer: NodeJS.Timeout | undefined;
  let current = 0;
  return (event) => {
    if (event.type === "exit" || event.type === "quit") {
      clearInterval(timer);
      current = 0;
      return;
    }
    if (event.type !== "spawn") return;
    clearInterval(timer);
    const instanceId = (current = event.instanceId);
    // After the supervisor has taken the spawn in (this event comes just before it does).
    setImmediate(() => {
      if (current === instanceId) supervision()?.external("start");
    });
    let running = false;
    timer = setInterval(() => {
      if (running || current !== instanceId) return;
      running = true;
      probe(period).then(
        (healthy) => {
          running = false;
          if (healthy && current === instanceId) supervision()?.external("heartbeat");
        },
        () => {
          running = false;
        },
      );
    }, period);
  };
}
