/**
 * An instance as a process: the entry started again with its channel on fd 3 (and a data file on
 * fd 4), in its own process group, and its end, reported once what it wrote before it died has
 * been read. What the frames mean, and what an end means, is the supervisor's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { closeSync } from "node:fs";
import { isatty } from "node:tty";
import { FrameReader, formatInstanceMarker, instanceEnvironment, type EntryCommand } from "@samkit/backend-kit";
import { restorePriority } from "./supervisor-priority.js";
import { markerVariable } from "./marker-variable.js";
import { dataFileFd, openInstanceDataFile } from "./instance-data-file.js";

export interface Instance {
  /** The instance id; 0 while a spare waits to be promoted. */
  id: number;
  /** start() and stop() asked for by an external source (see Supervision.external): their acknowledgements go nowhere. */
  silentAcknowledgements?: Set<"start" | "stop">;
  child: ChildProcess;
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

/** SIGKILL to the instance's process group when it leads one, else to the instance. */
export function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    if (ownGroups) process.kill(-child.pid, "SIGKILL");
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
}

export interface LaunchSettings {
  entry: EntryCommand;
  /** Give the instance a data file (none with a DataStore plugin, which must save each store). */
  dataFiles: boolean;
  /** The priority the supervisor started with, which each instance gets back. */
  startedPriority: () => number | undefined;
}

/** Starts instance processes of one entry. */
export class InstanceLauncher {
  /** An instance's environment, by marker: a spare's says it waits, parked; `data` that it has a data file. */
  readonly #envs = new Map<string, NodeJS.ProcessEnv>();

  constructor(
    private readonly settings: LaunchSettings,
    private readonly handlers: InstanceHandlers,
  ) {}

  #envFor(spare: boolean, dataFile: boolean): NodeJS.ProcessEnv {
    const marker = formatInstanceMarker({ fd: channelFd, supervisorPid: process.pid, spare, dataFd: dataFile ? dataFileFd : undefined });
    let env = this.#envs.get(marker);
    if (env === undefined) this.#envs.set(marker, (env = { ...instanceEnvironment(), [markerVariable]: marker }));
    return env;
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
    const dataFd = this.#dataFile();
    let child: ChildProcess;
    try {
      child = spawn(entry.command, entry.args, {
        stdio: dataFd === undefined ? ["inherit", "inherit", "inherit", "pipe"] : ["inherit", "inherit", "inherit", "pipe", dataFd],
        detached: ownGroups,
        env: this.#envFor(spare, dataFd !== undefined),
      });
      restorePriority(child.pid, this.settings.startedPriority());
    } catch (error) {
      if (dataFd !== undefined) closeSync(dataFd);
      throw error;
    }
    const handlers = this.handlers;
    const channel = child.stdio[channelFd] as Socket;
    let markGone = () => {};
    const instance: Instance = {
      id: 0,
      child,
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
      killGroup(child);
      handlers.onGone(instance);
      markGone();
      if (instance.noticed) {
        // Its end was handled when it gave notice.
        channel.destroy();
        return;
      }
      const finish = () => {
        instance.exited = true;
        channel.destroy();
        handlers.onEnded(instance, code, signal);
      };
      // Read what the instance wrote before it died (a stop, a data store) before judging its exit.
      if (channel.closed || channel.readableEnded) {
        finish();
        return;
      }
      const timer = setTimeout(finish, channelDrainTimeout);
      channel.once("close", () => {
        clearTimeout(timer);
        finish();
      });
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
