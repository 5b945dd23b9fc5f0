/**
 * An instance as a process: the entry started again with its channel on fd 3 (and a data file on
 * fd 4), in its own process group, through samkit-guard where it runs (instance-guard.ts), and its
 * end, reported once what it wrote before it died has been read. What the frames mean, and what
 * an end means, is the supervisor's.
 */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import type { Socket } from "node:net";
import { closeSync } from "node:fs";
import { isatty } from "node:tty";
import { FrameReader, formatInstanceMarker, instanceEnvironment, type EntryCommand } from "@samkit/backend-kit";
import { restorePriority } from "./supervisor-priority.js";
import { markerVariable } from "./marker-variable.js";
import { dataFileFd, openInstanceDataFile } from "./instance-data-file.js";
import { findGuard, guardArguments, readReport, reportFd, treeKillSignal, type Guard } from "./instance-guard.js";

export interface Instance {
  /** The instance id; 0 while a spare waits to be promoted. */
  id: number;
  /** start() and stop() asked for by an external source (see Supervision.external): their acknowledgements go nowhere. */
  silentAcknowledgements?: Set<"start" | "stop">;
  /** The process the supervisor started: samkit-guard, or the instance itself without it. */
  child: ChildProcess;
  /** Started through samkit-guard, whose child the instance is. */
  guarded: boolean;
  /** The instance's own PID (the guard's child); undefined until the guard has told it. */
  pid: number | undefined;
  /** Resolves with `pid` once it is known; never, if the instance could not be started. */
  identified: Promise<number>;
  channel: Socket;
  /** The supervisor's descriptor of the instance's data file, until it is read. */
  dataFd?: number | undefined;
  reader: FrameReader;
  greeted: boolean;
  /** Ended for the supervisor: its exit (or its exit notice) has been handled. */
  exited: boolean;
  /** It sent an exit notice: its process may still be tearing down. */
  noticed?: boolean;
  /** Resolves when the process itself is gone. */
  gone: Promise<void>;
}

/** An instance as messages name it: a spare has no id until it is promoted. */
export const nameOf = (instance: Instance) => (instance.id === 0 ? "the standby instance" : `instance ${instance.id}`);

/** The channel is the instance's fd 3: the first one after stdio. */
const channelFd = 3;
/** How long to wait, after the instance's exit, for the rest of its channel (a grandchild may hold it open). */
const channelDrainTimeout = 100;

/**
 * Instances lead their own process group, so that their children go with them (no orphans after a
 * crash). Not when standard input is a terminal: a process outside the terminal's foreground group
 * that reads it would be stopped (SIGTTIN), so an interactive program keeps the terminal's group.
 */
const ownGroups = !isatty(0);

/**
 * SIGKILL to the instance and everything it started. Through the guard: its tree-kill signal (and
 * SIGCONT, should it be stopped), which also reaches children that left the process group. Else
 * the instance's process group when it leads one, or the instance alone.
 */
export function killGroup(instance: Instance): void {
  const { child } = instance;
  if (child.pid === undefined) return;
  try {
    if (instance.guarded && child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, treeKillSignal);
      process.kill(child.pid, "SIGCONT");
    } else if (ownGroups) process.kill(-(instance.pid ?? child.pid), "SIGKILL");
    else child.kill("SIGKILL");
  } catch {
    // The group is empty already.
  }
}

export interface InstanceHandlers {
  /** The largest payload allowed for a frame type, or undefined for an unknown type. */
  limitFor(type: number): number | undefined;
  onFrame(instance: Instance, type: number, payload: Buffer): void;
  onProtocolError(instance: Instance, error: unknown): void;
  /** The process is gone (before anything waiting for it goes on): its data file can be read. */
  onGone(instance: Instance): void;
  /** It ended for the supervisor, its channel read to the end; not called after an exit notice. */
  onEnded(instance: Instance, code: number | null, signal: NodeJS.Signals | null): void;
  onStartError(instance: Instance, error: Error): void;
  /** Something the operator should know once (instances started without the guard). */
  notice(message: string): void;
}

export interface LaunchSettings {
  entry: EntryCommand;
  /** Give the instance a data file (none with a DataStore plugin, which must save each store). */
  dataFiles: boolean;
  /** The priority the supervisor started with, which each instance gets back. */
  startedPriority: () => number | undefined;
  /** Start instances through samkit-guard where it runs (the default). */
  guard: boolean;
}

/** Starts instance processes of one entry. */
export class InstanceLauncher {
  /** An instance's environment, by marker: a spare's says it waits, parked; `data` that it has a data file. */
  readonly #envs = new Map<string, NodeJS.ProcessEnv>();
  #guard: Guard | undefined;

  constructor(
    private readonly settings: LaunchSettings,
    private readonly handlers: InstanceHandlers,
  ) {}

  #envFor(spare: boolean, dataFile: boolean): NodeJS.ProcessEnv {
    const marker = formatInstanceMarker({ fd: channelFd, supervisorPid: process.pid, spare, dataFd: dataFile ? dataFileFd : undefined });
    let env = this.#envs.get(marker);
    // SAMKIT_SUPERVISOR_PID: the instance's parent is the guard, not the supervisor.
    if (env === undefined) this.#envs.set(marker, (env = { ...instanceEnvironment(), [markerVariable]: marker, SAMKIT_SUPERVISOR_PID: String(process.pid) }));
    return env;
  }

  /** The guard, looked for at the first start; without one, the operator is told once. */
  #findGuard(): Guard {
    if (this.#guard === undefined) {
      this.#guard = findGuard(this.settings.guard);
      if (this.settings.guard && this.#guard.reason !== undefined) {
        this.handlers.notice(`instances are started without samkit-guard (${this.#guard.reason}): what an instance starts may outlive it or a killed supervisor`);
      }
    }
    return this.#guard;
  }

  /** A data file for a new instance, or none where none can be made: the channel then carries the stores. */
  #dataFile(): number | undefined {
    if (!this.settings.dataFiles) return undefined;
    try {
      return openInstanceDataFile();
    } catch {
      return undefined;
    }
  }

  /** Starts the entry as a new process with its channel; the caller makes it the instance or the spare. */
  start(spare: boolean): Instance {
    const { entry } = this.settings;
    const guard = this.#findGuard();
    const dataFd = this.#dataFile();
    const stdio: StdioOptions = ["inherit", "inherit", "inherit", "pipe", dataFd ?? "ignore"];
    const priority = this.settings.startedPriority();
    let child: ChildProcess;
    try {
      const env = this.#envFor(spare, dataFd !== undefined);
      if (guard.path === undefined) {
        child = spawn(entry.command, entry.args, { stdio, detached: ownGroups, env });
        restorePriority(child.pid, priority);
      } else {
        child = spawn(guard.path, guardArguments(entry, ownGroups, priority), { stdio: [...stdio, "pipe"], detached: ownGroups, env });
      }
    } catch (error) {
      if (dataFd !== undefined) closeSync(dataFd);
      throw error;
    }
    const handlers = this.handlers;
    const channel = child.stdio[channelFd] as Socket;
    const report = guard.path === undefined ? undefined : (child.stdio as unknown as Socket[])[reportFd];
    let markGone = () => {};
    let identify = (_pid: number) => {};
    const instance: Instance = {
      id: 0,
      child,
      guarded: report !== undefined,
      pid: report === undefined ? child.pid : undefined,
      identified: new Promise<number>((resolve) => {
        identify = resolve;
      }),
      channel,
      dataFd,
      greeted: false,
      exited: false,
      gone: new Promise<void>((resolve) => {
        markGone = resolve;
      }),
      reader: new FrameReader(
        (type) => handlers.limitFor(type),
        (type, payload) => handlers.onFrame(instance, type, payload),
      ),
    };
    if (instance.pid !== undefined) identify(instance.pid);
    if (report !== undefined) {
      readReport(
        report,
        entry,
        (pid) => identify((instance.pid = pid)),
        (error) => handlers.onStartError(instance, error),
      );
    }
    channel.on("data", (chunk: Buffer) => {
      try {
        instance.reader.push(chunk);
      } catch (error) {
        handlers.onProtocolError(instance, error);
      }
    });
    // A write to an instance that just died fails with EPIPE; its exit is handled by the exit event.
    channel.on("error", () => {});
    let exitHandled = false;
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      if (exitHandled) return;
      exitHandled = true;
      // What the instance started dies with it: no orphan keeps running, or holds the channel open.
      killGroup(instance);
      handlers.onGone(instance);
      markGone();
      if (instance.noticed) {
        // Its end was handled when it gave notice.
        channel.destroy();
        report?.destroy();
        return;
      }
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        instance.exited = true;
        channel.destroy();
        report?.destroy();
        handlers.onEnded(instance, code, signal);
      };
      // Read what the instance wrote before it died (a stop, a data store), and the guard's report, before judging its exit.
      const open = [channel, report].filter((stream) => stream !== undefined && !stream.closed && !stream.readableEnded);
      if (open.length === 0) {
        finish();
        return;
      }
      const timer = setTimeout(finish, channelDrainTimeout);
      let closed = 0;
      for (const stream of open) {
        stream!.once("close", () => {
          if (++closed < open.length) return;
          clearTimeout(timer);
          finish();
        });
      }
    };
    child.on("exit", onExit);
    child.on("error", (error) => {
      handlers.onStartError(instance, error);
      // 127: the shell's code for a command that could not be run.
      if (child.pid === undefined) onExit(127, null);
    });
    return instance;
  }
}
