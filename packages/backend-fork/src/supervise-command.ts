/**
 * Supervises any command (not this script again): what `samctl run` is built on. A Node program
 * using @samkit/core and backend-fork attaches to this supervisor as its instance by itself; any
 * other program is watched for its death only, unless it speaks the channel protocol on fd 3.
 */
import { SamError, resolveOptions, type SamOptions } from "@samkit/core";
import type { SupervisorStatus } from "./supervisor.js";
import type { ForkSupervisorEvent } from "./supervisor-events.js";

export interface SuperviseCommandOptions {
  /** The program and its arguments; no shell is involved. */
  command: string;
  args?: readonly string[];
  /** What initialize() would take. */
  sam: SamOptions;
  onEvent?: (event: ForkSupervisorEvent) => void;
  killTimeout?: number;
  /** A health check run by the supervisor every interval / 2 (true = healthy); needs an interval above 0. */
  probe?: (timeout: number) => Promise<boolean>;
}

export interface Supervision {
  /** The exit code the supervisor should end with (the instance's, or 124 at the restart limit). */
  done: Promise<number>;
  status(): SupervisorStatus;
  /** Stops the instance (warn signal, SIGKILL one interval later); `done` then resolves. */
  stop(): void;
  /** A message for the current instance from outside its channel (the systemd notify protocol). */
  external(message: "start" | "stop" | "heartbeat" | "mark-failed"): void;
}

/** Resolves with the exit code the supervisor should end with (the instance's, or 124 at the restart limit). */
export async function superviseCommand(options: SuperviseCommandOptions): Promise<number> {
  return (await startSupervision(options)).done;
}

/** Starts supervising; the handle reports status and takes stop requests while it runs. */
export async function startSupervision(options: SuperviseCommandOptions): Promise<Supervision> {
  if (typeof options.command !== "string" || options.command === "") {
    throw new SamError("CS_ERR_INVALID_PARAM", "@samkit/backend-fork: superviseCommand() needs a command to run");
  }
  const resolved = resolveOptions(options.sam);
  if (options.probe && resolved.interval === 0) {
    throw new SamError("CS_ERR_INVALID_PARAM", "@samkit/backend-fork: a health probe needs an interval above 0 (it runs every interval / 2)");
  }
  if (resolved.quorum) await resolved.quorum.connect();
  const data = resolved.store ? await resolved.store.load() : null;
  const { ForkSupervisor } = await import("./supervisor.js");
  const supervisor = new ForkSupervisor({
    options: resolved,
    data,
    warnSignal: resolved.warnSignal,
    entry: { command: options.command, args: [...(options.args ?? [])] },
    killTimeout: options.killTimeout,
    onEvent: options.onEvent,
    probe: options.probe,
  });
  return { done: supervisor.run(), status: () => supervisor.status(), stop: () => supervisor.stop(), external: (message) => supervisor.external(message) };
}
