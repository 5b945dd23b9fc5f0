/**
 * Supervises any command (not this script again): what `samctl run` is built on. A Node program
 * using @samkit/core and backend-fork attaches to this supervisor as its instance by itself; any
 * other program is watched for its death only, unless a health source outside it reports for it
 * through `external()` (samctl's probes and its systemd notify bridge do).
 */
import { SamError, openSupervisorPlugins, resolveOptions, type SamOptions } from "@samkit/core";
import type { ExternalMessage, ForkSupervisorEvent, SupervisorStatus } from "./supervisor-events.js";

export interface SuperviseCommandOptions {
  /** The program and its arguments; no shell is involved. */
  command: string;
  args?: readonly string[];
  /** What initialize() would take. */
  sam: SamOptions;
  onEvent?: (event: ForkSupervisorEvent) => void;
  killTimeout?: number;
  /** Start the program through samkit-guard where it runs (default true): see forkBackend()'s option. */
  guard?: boolean;
}

export interface Supervision {
  /** The exit code the supervisor should end with (the instance's, or 124 at the restart limit). */
  done: Promise<number>;
  status(): SupervisorStatus;
  /** Stops the instance (warn signal, SIGKILL one interval later); `done` then resolves. */
  stop(): void;
  /**
   * Health from outside the instance's channel, for the current instance: `heartbeat` is a sign
   * of life, `start` and `stop` begin and end its health checking (acknowledged to nobody),
   * `mark-failed` as the instance's own markFailed(). Ignored between instances; watch `onEvent`'s
   * `spawn` and `exit` to know which instance is current.
   */
  external(message: ExternalMessage): void;
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
  const data = await openSupervisorPlugins(resolved);
  const { ForkSupervisor } = await import("./supervisor.js");
  const supervisor = new ForkSupervisor({
    options: resolved,
    data,
    warnSignal: resolved.warnSignal,
    entry: { command: options.command, args: [...(options.args ?? [])] },
    killTimeout: options.killTimeout,
    onEvent: options.onEvent,
    guard: options.guard,
  });
  return { done: supervisor.run(), status: () => supervisor.status(), stop: () => supervisor.stop(), external: (message) => supervisor.external(message) };
}
