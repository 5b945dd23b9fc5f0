/**
 * The supervisor side of backend-fork: starts instances, reads their channel, feeds the policy
 * engine of @samkit/core and carries out its actions (signals, replies, restarts, the exit).
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { closeSync } from "node:fs";
import { isatty } from "node:tty";
import { performance } from "node:perf_hooks";
import { raiseSupervisorPriority, restorePriority } from "./supervisor-priority.js";
import {
  PolicyEngine,
  SamError,
  signalName,
  signalNumber,
  type PolicyAction,
  type PolicyEvent,
  type ResolvedOptions,
  type SignalName,
} from "@samkit/core";
import { channelProtocol, FrameReader, ProtocolError } from "@samkit/backend-kit";

const { InstanceFrame, decodeExiting, decodeHello, encodeReply, heartbeatSentAt, encodeWelcome, okReplies, protocolVersion, smallFrameLimit } = channelProtocol;
import type { EntryCommand } from "@samkit/backend-kit";
import { markerVariable } from "./marker-variable.js";
import { collectInstanceData, dataFileFd, openInstanceDataFile } from "./instance-data-file.js";
import type { ForkSupervisorEvent } from "./supervisor-events.js";

export interface SupervisorStatus {
  /** idle, spawning (a restart delay), running, done */
  phase: string;
  instanceId: number;
  instancePid: number | null;
  started: boolean;
  waitingForQuorum: boolean;
  restarts: number;
  /** Milliseconds since the last message from the instance (a heartbeat, a probe pass), or null. */
  lastMessageAge: number | null;
  quorate: boolean | null;
  warnSignal: string;
  interval: number;
}

export interface SupervisorSettings {
  options: ResolvedOptions;
  data: Uint8Array | null;
  warnSignal: SignalName;
  entry: EntryCommand;
  killTimeout: number | undefined;
  onEvent: ((event: ForkSupervisorEvent) => void) | undefined;
  /**
   * A supervisor-driven health check (samctl's probes): each instance counts as started once it
   * runs, and every passing probe is a heartbeat. Run every interval / 2 with the interval / 2 as time-out.
   */
  probe?: ((timeout: number) => Promise<boolean>) | undefined;
  /**
   * Warm standby: keep one spare instance started and parked inside register(), promoted at once
   * (instance id, data and warn signal handed over in its welcome) when the active one ends.
   */
  standby?: boolean | undefined;
}

/** Milliseconds after an instance's welcome before its spare (warm standby) starts. */
const spareDelay = 200;

/**
 * Starting a spare holds this event loop for the whole spawn (Node waits for the new process's
 * exec: 5 to 10 ms here), so it is not done this close before a deadline or a SIGKILL, which it
 * would make late; with short intervals, half the interval (an instance that sends heartbeats more
 * often than that always leaves a moment clear).
 */
const spareClearance = 50;

/** How long an instance that gave notice of its exit may take to tear down before it is SIGKILLed. */
const exitNoticeGrace = 1000;

/**
 * Milliseconds before a deadline its timer fires; the rest is waited out precisely
 * (#spinToDeadline). Long timers fire later (2 to 3 ms at 1 s on a virtual machine), so the margin
 * grows with the interval: 2 ms up to 400 ms, 0.5 % of the interval above, at most 10 ms.
 */
function spinMarginFor(interval: number): number {
  return Math.min(10, Math.max(2, interval * 0.005));
}

/** The channel is the instance's fd 3: the first one after stdio. */
const channelFd = 3;
/** How long to wait, after the instance's exit, for the rest of its channel (a grandchild may hold it open). */
const channelDrainTimeout = 100;

interface Instance {
  /** The instance id; 0 while a spare waits to be promoted. */
  id: number;
  /** Requests made for the instance by the supervisor itself (probes, the notify protocol): their acknowledgements go nowhere. */
  silentAcknowledgements?: Set<"start" | "stop">;
  probeTimer?: NodeJS.Timeout;
  child: ChildProcess;
  channel: Socket;
  /** The supervisor's descriptor of the instance's data file, until it is read (see #collectData). */
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
const nameOf = (instance: Instance) => (instance.id === 0 ? "the standby instance" : `instance ${instance.id}`);

const wallClock = () => performance.timeOrigin + performance.now();

const ownGroups = !isatty(0);

/** SIGKILL to the instance's process group when it leads one, else to the instance. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    if (ownGroups) process.kill(-child.pid, "SIGKILL");
    else child.kill("SIGKILL");
  } catch {
    // The group is empty already.
  }
}

export class ForkSupervisor {
  readonly #settings: SupervisorSettings;
  readonly #engine: PolicyEngine;
  #data: Uint8Array | null;
  #instance: Instance | undefined;
  /** The parked spare of the warm standby, if one runs. */
  #spare: Instance | undefined;
  /** An instance that gave notice of its exit and whose process is not gone yet. */
  #departing: Instance | undefined;
  #spareTimer: NodeJS.Timeout | undefined;
  #lastMessageAt: number | null = null;
  // Two timers. Every deadline the engine sets is "now + interval", so one timer of that length,
  // refreshed (re-armed in place, no allocation) whenever the deadline moves, covers them all. The
  // other takes the rest: a fixed SIGKILL time, or the remainder when the first fired early.
  #deadlineTimer: NodeJS.Timeout | undefined;
  #deadlineTimerFor: number | null = null;
  #otherTimer: NodeJS.Timeout | undefined;
  #otherTimerAt: number | null = null;
  // Actions run one after another: a state published before a reply, a store saved before the next spawn.
  #work: Promise<void> = Promise.resolve();
  #queued = 0;
  /** spinMarginFor(interval), fixed for this supervisor. */
  readonly #spinMargin: number;
  #finish: (exitCode: number) => void = () => {};
  #cleanups: (() => void)[] = [];
  /** The priority this process had before it became the supervisor, when it raised its own; instances get it back. */
  #startedPriority: number | undefined;
  /** An instance's environment, by kind: a spare's marker says it will wait, parked, to be promoted; `data` that it has a data file. */
  readonly #envs = new Map<string, NodeJS.ProcessEnv>();

  constructor(settings: SupervisorSettings) {
    this.#settings = settings;
    const { options } = settings;
    this.#data = settings.data;
    this.#engine = new PolicyEngine(
      {
        interval: options.interval,
        recovery: options.recovery,
        quorum: options.quorum !== undefined,
        warnSignal: settings.warnSignal,
        killTimeout: settings.killTimeout,
        restartLimit: options.restartLimit,
        backoff: options.backoff,
        noRestartExitCode: options.noRestartExitCode,
      },
      options.quorum ? options.quorum.isQuorate() : true,
    );
    this.#spinMargin = spinMarginFor(options.interval);
  }

  /** What the supervisor knows now, for `samctl status`. */
  status(): SupervisorStatus {
    const state = this.#engine.state;
    const instance = this.#instance;
    return {
      phase: state.phase,
      instanceId: state.instanceId,
      instancePid: instance && !instance.exited ? (instance.child.pid ?? null) : null,
      started: state.started,
      waitingForQuorum: state.waitingForQuorum,
      restarts: Math.max(0, state.instanceId - 1),
      lastMessageAge: this.#lastMessageAt === null ? null : Math.round(performance.now() - this.#lastMessageAt),
      quorate: this.#settings.options.quorum ? state.quorate : null,
      warnSignal: state.warnSignal,
      interval: this.#settings.options.interval,
    };
  }

  /**
   * A message for the current instance that did not come over its channel: a probe's pass, or the
   * systemd notify protocol (READY=1 is start, WATCHDOG=1 a heartbeat, STOPPING=1 stop,
   * WATCHDOG=trigger mark failed).
   */
  external(message: "start" | "stop" | "heartbeat" | "mark-failed"): void {
    const instance = this.#instance;
    if (!instance || instance.exited) return;
    const now = performance.now();
    if (message === "mark-failed") {
      this.#handle({ type: "mark-failed", now });
      return;
    }
    if (message === "start" || message === "stop") (instance.silentAcknowledgements ??= new Set()).add(message);
    this.#handle({ type: "message", now, message });
  }

  /** A stop request, as SIGTERM gives one. */
  stop(): void {
    this.#handle({ type: "stop-request", now: performance.now() });
  }

  /** Supervises until the policy quits; resolves with the exit code for this process. */
  async run(): Promise<number> {
    const { options } = this.#settings;
    const done = new Promise<number>((resolve) => {
      this.#finish = resolve;
    });
    // Before the first instance is spawned: see supervisor-priority.ts.
    this.#startedPriority = raiseSupervisorPriority();
    this.#cleanups.push(() => restorePriority(0, this.#startedPriority));
    const onStopSignal = () => this.#handle({ type: "stop-request", now: performance.now() });
    process.on("SIGTERM", onStopSignal);
    process.on("SIGINT", onStopSignal);
    this.#cleanups.push(() => {
      process.off("SIGTERM", onStopSignal);
      process.off("SIGINT", onStopSignal);
    });
    if (options.quorum) {
      const unsubscribe = options.quorum.onChange((quorate) => {
        this.#emit({ type: "quorum", time: wallClock(), quorate });
        this.#handle({ type: "quorum", now: performance.now(), quorate });
      });
      this.#cleanups.push(unsubscribe);
    }
    const reportPluginError = (plugin: string) => (error: Error) => this.#error(`${plugin}: ${error.message}`);
    if (options.quorum?.onError) this.#cleanups.push(options.quorum.onError(reportPluginError("quorum source")));
    if (options.cmap?.onError) this.#cleanups.push(options.cmap.onError(reportPluginError("state publisher")));
    if (options.cmap) {
      await options.cmap.register({ pid: process.pid, recovery: options.recovery, pollPeriod: options.interval });
    }
    this.#handle({ type: "begin", now: performance.now() });
    return done;
  }

  /** Runs `step` after the work queued before it; `#queued` counts what is not done yet. */
  #enqueue(step: () => void | Promise<void>): void {
    this.#queued++;
    this.#work = this.#work
      .then(step)
      // A failed step must not stop the ones after it.
      .catch((error: unknown) => this.#error(`internal: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => {
        this.#queued--;
      });
  }

  #emit(event: ForkSupervisorEvent): void {
    try {
      this.#settings.onEvent?.(event);
    } catch {
      // An observer's bug must not take the supervisor down.
    }
  }

  #handle(event: PolicyEvent): void {
    if (event.type === "message") this.#lastMessageAt = event.now;
    const actions = this.#engine.handle(event);
    if (actions.length > 0) {
      this.#enqueue(() => this.#perform(actions));
    }
    this.#syncTimers(event.now);
  }

  /**
   * When a heartbeat was sent, on this process's performance clock: the instance's stamp when it
   * is plausible, else `now`. The supervisor may wake a millisecond or more after the write, and
   * that would push the deadline later. Only a stamp a little before `now` (within the deadline
   * timer's margin) is taken, so two clocks that disagree (a wall-clock step between the two
   * processes' starts) can never move a deadline by more than that.
   */
  #sentAt(payload: Buffer, now: number): number {
    const stamp = heartbeatSentAt(payload);
    if (stamp === undefined) return now;
    const sentAt = stamp - performance.timeOrigin;
    return sentAt <= now && now - sentAt <= this.#spinMargin ? sentAt : now;
  }

  /** The hot path: a heartbeat allocates no event, no state and no timer. */
  #heartbeat(now: number): void {
    this.#lastMessageAt = now;
    this.#engine.heartbeat(now);
    this.#syncTimers(now);
  }

  #syncTimers(now: number): void {
    const { deadline, killAt } = this.#engine.state;
    const interval = this.#settings.options.interval;
    let uncovered: number | null = null;
    if (deadline !== null && deadline !== this.#deadlineTimerFor) {
      if (deadline === now + interval) {
        if (this.#deadlineTimer === undefined) this.#deadlineTimer = setTimeout(this.#onDeadlineTimer, Math.max(1, Math.floor(interval - this.#spinMargin)));
        else this.#deadlineTimer.refresh();
        this.#deadlineTimerFor = deadline;
      } else {
        uncovered = deadline;
      }
    }
    const other = killAt === null ? uncovered : uncovered === null ? killAt : Math.min(killAt, uncovered);
    if (other === this.#otherTimerAt) return;
    if (this.#otherTimer !== undefined) clearTimeout(this.#otherTimer);
    this.#otherTimer = undefined;
    this.#otherTimerAt = other;
    if (other !== null) this.#otherTimer = setTimeout(this.#onOtherTimer, Math.max(0, Math.ceil(other - performance.now())));
  }

  readonly #onDeadlineTimer = (): void => {
    this.#deadlineTimerFor = null;
    this.#spinToDeadline();
  };

  /**
   * Node's timers count whole milliseconds of a loop time that lags the clock, so they fire up to
   * a millisecond or two off. The deadline timer is armed a little early and the rest is waited
   * out here by turning the event loop (which still reads the channel) until the deadline: a
   * millisecond or two of CPU, spent only when an instance is actually late.
   */
  readonly #spinToDeadline = (): void => {
    // A message re-armed the timer meanwhile: the instance is not late.
    if (this.#deadlineTimerFor !== null) return;
    const deadline = this.#engine.state.deadline;
    const now = performance.now();
    if (deadline !== null && now < deadline && deadline - now <= this.#spinMargin + 1) {
      setImmediate(this.#spinToDeadline);
      return;
    }
    this.#handle({ type: "timer", now });
  };

  readonly #onOtherTimer = (): void => {
    this.#otherTimer = undefined;
    this.#otherTimerAt = null;
    this.#handle({ type: "timer", now: performance.now() });
  };

  #clearTimers(): void {
    if (this.#deadlineTimer !== undefined) clearTimeout(this.#deadlineTimer);
    if (this.#otherTimer !== undefined) clearTimeout(this.#otherTimer);
    this.#deadlineTimer = this.#otherTimer = undefined;
    this.#deadlineTimerFor = this.#otherTimerAt = null;
  }

  async #perform(actions: readonly PolicyAction[]): Promise<void> {
    for (const action of actions) {
      try {
        await this.#performOne(action);
      } catch (error) {
        this.#error(`${action.type} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  async #performOne(action: PolicyAction): Promise<void> {
    const { options } = this.#settings;
    const instance = this.#instance;
    switch (action.type) {
      case "signal": {
        if (!instance || instance.exited) return;
        const sinceLastMessage = this.#lastMessageAt === null ? null : Math.round((performance.now() - this.#lastMessageAt) * 1000) / 1000;
        this.#emit({ type: "signal", time: wallClock(), instanceId: instance.id, pid: instance.child.pid ?? 0, signal: action.signal, reason: action.reason, sinceLastMessage });
        // The warning is the instance's to handle; SIGKILL takes its whole process group.
        if (action.signal === "SIGKILL") killGroup(instance.child);
        else instance.child.kill(action.signal);
        return;
      }
      case "acknowledge": {
        if (!instance || instance.exited) return;
        if (instance.silentAcknowledgements?.delete(action.message)) return;
        const request = action.message === "start" ? InstanceFrame.start : InstanceFrame.stop;
        instance.channel.write(okReplies[request] as Buffer);
        return;
      }
      case "give-up":
        // The one line a supervisor without a logger still owes its operator.
        process.stderr.write(`samkit: ${action.message}\n`);
        this.#emit({ type: "give-up", time: wallClock(), reason: action.reason, message: action.message });
        return;
      case "publish":
        await options.cmap?.setState(action.state);
        return;
      case "publish-recovery":
        await options.cmap?.setRecovery(action.recovery);
        return;
      case "spawn": {
        const asked = performance.now();
        if (action.delay > 0) await new Promise((resolve) => setTimeout(resolve, action.delay));
        // A stop request during the delay has ended supervision: start nothing more.
        if (this.#engine.state.phase !== "spawning") return;
        this.#spawn(action.instanceId, action.delay, Math.round((performance.now() - asked) * 1000) / 1000);
        return;
      }
      case "quit":
        await this.#quit(action.exitCode, action.failed);
        return;
    }
  }

  #error(message: string): void {
    this.#emit({ type: "error", time: wallClock(), instanceId: this.#instance?.id ?? 0, message });
  }

  #spawn(instanceId: number, delay = 0, waited = 0): void {
    const spare = this.#spare;
    const standby = spare !== undefined && !spare.exited;
    this.#spare = undefined;
    const instance = standby ? spare : this.#startProcess(false);
    instance.id = instanceId;
    this.#instance = instance;
    const pid = instance.child.pid;
    if (pid !== undefined) this.#emit({ type: "spawn", time: wallClock(), instanceId, pid, delay, waited, standby });
    this.#handle({ type: "spawned", now: performance.now() });
    // A spare that already said hello only waits for its welcome; one still starting gets it after its hello.
    if (standby && instance.greeted) this.#welcome(instance);
    if (this.#settings.probe) this.#startProbing(instance);
  }

  /** Starts the next spare (warm standby) once the active instance is on its way. */
  #startSpare(): void {
    const state = this.#engine.state;
    if (!this.#settings.standby || this.#spare !== undefined || state.phase !== "running" || state.stopping) return;
    const clearance = Math.min(spareClearance, this.#settings.options.interval / 2);
    const wait = Math.min(state.deadline ?? Infinity, state.killAt ?? Infinity) - performance.now();
    if (wait < clearance) {
      this.#spareTimer = setTimeout(() => this.#startSpare(), Math.max(0, wait) + clearance);
      return;
    }
    const spare = this.#startProcess(true);
    if (spare.child.pid === undefined) return;
    this.#spare = spare;
    this.#emit({ type: "standby", time: wallClock(), pid: spare.child.pid });
  }

  #envFor(spare: boolean, dataFile: boolean): NodeJS.ProcessEnv {
    const marker = `${channelFd}:${process.pid}${spare ? ":spare" : ""}${dataFile ? `:data${dataFileFd}` : ""}`;
    let env = this.#envs.get(marker);
    if (env === undefined) this.#envs.set(marker, (env = { ...process.env, [markerVariable]: marker }));
    return env;
  }

  /**
   * A data file for a new instance, so that its data stores need no round trip, or none: with a
   * DataStore the supervisor must save each store before the instance goes on, and where no file
   * can be made the channel carries the stores, as it always can.
   */
  #dataFileForNewInstance(): number | undefined {
    if (this.#settings.options.store) return undefined;
    try {
      return openInstanceDataFile();
    } catch {
      return undefined;
    }
  }

  /** Takes in what an instance that is gone stored last in its data file, and frees the file. */
  #collectData(instance: Instance): void {
    const fd = instance.dataFd;
    if (fd === undefined) return;
    instance.dataFd = undefined;
    try {
      const contents = collectInstanceData(fd);
      if (contents.stored) this.#data = contents.data;
    } catch (error) {
      this.#error(`the data ${nameOf(instance)} stored could not be read (${error instanceof Error ? error.message : String(error)}); the next instance gets the data before it`);
    }
  }

  /** Starts the entry as a new process with its channel; the caller makes it the instance or the spare. */
  #startProcess(spare: boolean): Instance {
    const { entry } = this.#settings;
    const dataFd = this.#dataFileForNewInstance();
    let child: ChildProcess;
    try {
      child = spawn(entry.command, entry.args, {
        stdio: dataFd === undefined ? ["inherit", "inherit", "inherit", "pipe"] : ["inherit", "inherit", "inherit", "pipe", dataFd],
        // Its own process group, so that its children go with it (no orphans after a crash). Not when
        // standard input is a terminal: a process outside the terminal's foreground group that reads
        // it would be stopped (SIGTTIN), so an interactive program keeps the terminal's group.
        detached: ownGroups,
        env: this.#envFor(spare, dataFd !== undefined),
      });
      restorePriority(child.pid, this.#startedPriority);
    } catch (error) {
      if (dataFd !== undefined) closeSync(dataFd);
      throw error;
    }
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
        (type) => this.#limitFor(type),
        (type, payload) => this.#onFrame(instance, type, payload),
      ),
    };
    channel.on("data", (chunk: Buffer) => {
      try {
        instance.reader.push(chunk);
      } catch (error) {
        this.#protocolError(instance, error);
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
      // Before anything waiting for it to be gone (the next welcome) goes on.
      this.#collectData(instance);
      markGone();
      if (instance.noticed) {
        // Its end was handled when it gave notice.
        channel.destroy();
        return;
      }
      const finish = () => {
        instance.exited = true;
        channel.destroy();
        if (instance === this.#spare) {
          this.#spare = undefined;
          // Not restarted here: a spare that cannot start would otherwise be restarted in a loop.
          // The next instance's start brings a new one.
          this.#error(`the standby instance (PID ${child.pid ?? 0}) ended (${signal ?? `exit code ${String(code)}`}) before it was needed`);
          return;
        }
        if (instance !== this.#instance) return;
        this.#emit({ type: "exit", time: wallClock(), instanceId: instance.id, pid: child.pid ?? 0, code, signal });
        this.#handle({ type: "exit", now: performance.now(), code, signal });
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
      this.#error(`${nameOf(instance)} could not be started: ${error.message}`);
      // 127: the shell's code for a command that could not be run.
      if (child.pid === undefined) onExit(127, null);
    });
    return instance;
  }

  /** register() resolves in the instance: it learns its id, the data and the warn signal as they are now. */
  #welcome(instance: Instance): void {
    // Not before the instance it follows is gone: until then that process still holds its
    // descriptors (a listening port, a lock), and its successor would find them taken. The exit
    // notice lets a new instance start during the tear-down, not run its code during it.
    const departing = this.#departing;
    if (departing !== undefined) {
      void departing.gone.then(() => this.#welcome(instance));
      return;
    }
    // Queued behind pending work, so the welcome carries data saved by a store still in flight.
    this.#enqueue(() => {
      if (instance.exited || instance !== this.#instance) return;
      instance.channel.write(
        encodeWelcome({
          instanceId: instance.id,
          interval: this.#settings.options.interval,
          warnSignal: signalNumber(this.#engine.state.warnSignal),
          data: this.#data,
        }),
      );
      // Not at once: a Node start-up takes a core for 100 ms or more, and the instance just
      // promoted (or started) needs it more right now.
      clearTimeout(this.#spareTimer);
      this.#spareTimer = setTimeout(() => this.#startSpare(), spareDelay);
    });
  }

  #startProbing(instance: Instance): void {
    const probe = this.#settings.probe!;
    const period = Math.max(10, Math.floor(this.#settings.options.interval / 2));
    this.external("start");
    let running = false;
    instance.probeTimer = setInterval(() => {
      if (running || instance.exited || instance !== this.#instance) return;
      running = true;
      probe(period).then(
        (healthy) => {
          running = false;
          if (healthy && !instance.exited && instance === this.#instance) this.#handle({ type: "message", now: performance.now(), message: "heartbeat" });
        },
        () => {
          running = false;
        },
      );
    }, period);
    instance.child.once("exit", () => clearInterval(instance.probeTimer));
  }

  #limitFor(type: number): number | undefined {
    switch (type) {
      case InstanceFrame.dataStore:
        return this.#settings.options.maxDataSize;
      case InstanceFrame.hello:
      case InstanceFrame.start:
      case InstanceFrame.stop:
      case InstanceFrame.heartbeat:
      case InstanceFrame.warnSignalSet:
      case InstanceFrame.markFailed:
      case InstanceFrame.exiting:
      case InstanceFrame.dataStored:
        return smallFrameLimit;
      default:
        return undefined;
    }
  }

  #protocolError(instance: Instance, error: unknown): void {
    instance.reader.fail();
    const reason = error instanceof Error ? error.message : String(error);
    this.#error(`${nameOf(instance)} broke the channel protocol (${reason}); it is killed`);
    if (!instance.exited) killGroup(instance.child);
  }

  #onFrame(instance: Instance, type: number, payload: Buffer): void {
    if (instance !== this.#instance || instance.exited) {
      if (instance === this.#spare && !instance.exited) this.#onSpareFrame(instance, type, payload);
      return;
    }
    const cmap = this.#settings.options.cmap;
    if (type === InstanceFrame.heartbeat) {
      cmap?.touch();
      this.#heartbeat(this.#sentAt(payload, performance.now()));
      return;
    }
    if (!instance.greeted && type !== InstanceFrame.hello) {
      this.#protocolError(instance, new ProtocolError(`frame 0x${type.toString(16)} before hello`));
      return;
    }
    cmap?.touch();
    const now = performance.now();
    switch (type) {
      case InstanceFrame.hello: {
        const hello = decodeHello(payload);
        if (instance.greeted || hello === undefined) {
          this.#protocolError(instance, new ProtocolError("a malformed or repeated hello"));
          return;
        }
        instance.greeted = true;
        if (hello.version !== protocolVersion) {
          this.#refuseVersion(instance, hello.version);
          return;
        }
        this.#handle({ type: "message", now, message: "other" });
        this.#welcome(instance);
        return;
      }
      case InstanceFrame.start:
        this.#handle({ type: "message", now, message: "start" });
        return;
      case InstanceFrame.stop:
        this.#handle({ type: "message", now, message: "stop" });
        return;
      case InstanceFrame.dataStore: {
        const data = payload.byteLength === 0 ? null : new Uint8Array(payload);
        // To the policy a data store is a sign of life, the same step as a heartbeat: taken
        // on the heartbeat's path, which allocates no event and no state.
        this.#heartbeat(now);
        // The common case answers at once: no store to save to (#storeData then runs to its
        // reply without waiting), nothing queued to wait for.
        if (this.#queued === 0 && !this.#settings.options.store) void this.#storeData(instance, data);
        else this.#enqueue(() => this.#storeData(instance, data));
        return;
      }
      case InstanceFrame.dataStored:
        // The data is in the instance's data file, read when it is gone: here only a sign of life.
        this.#heartbeat(now);
        return;
      case InstanceFrame.warnSignalSet: {
        const name = payload.byteLength === 2 ? signalName(payload.readUInt16BE(0)) : undefined;
        if (name === undefined) {
          this.#protocolError(instance, new ProtocolError("warn signal set with an unknown signal"));
          return;
        }
        this.#handle({ type: "message", now, message: "warn-signal-set", warnSignal: name });
        this.#enqueue(() => {
          if (!instance.exited) instance.channel.write(okReplies[InstanceFrame.warnSignalSet] as Buffer);
        });
        return;
      }
      case InstanceFrame.markFailed:
        this.#handle({ type: "mark-failed", now });
        return;
      case InstanceFrame.exiting: {
        const code = decodeExiting(payload);
        if (code === undefined) {
          this.#protocolError(instance, new ProtocolError("a malformed exit notice"));
          return;
        }
        this.#exitNoticed(instance, code, now);
        return;
      }
    }
  }

  /**
   * The instance's `exit` event told its code: judge the exit now, as if the process were gone,
   * instead of after Node's tear-down. Nothing it does later counts; its process group is killed
   * when it is really gone (or after a grace period, if its tear-down hangs).
   */
  #exitNoticed(instance: Instance, code: number, now: number): void {
    instance.noticed = true;
    instance.exited = true;
    this.#departing = instance;
    instance.reader.fail();
    const grace = setTimeout(() => killGroup(instance.child), exitNoticeGrace);
    void instance.gone.then(() => {
      clearTimeout(grace);
      if (this.#departing === instance) this.#departing = undefined;
    });
    this.#emit({ type: "exit", time: wallClock(), instanceId: instance.id, pid: instance.child.pid ?? 0, code, signal: null });
    this.#handle({ type: "exit", now, code, signal: null });
  }

  #refuseVersion(instance: Instance, version: number): void {
    instance.channel.write(
      encodeReply(
        InstanceFrame.hello,
        new SamError("CS_ERR_VERSION", "").csError,
        `@samkit/backend-fork: the supervisor speaks channel protocol ${protocolVersion} and this instance ${version}; run one version of @samkit/backend-fork`,
      ),
    );
  }

  /** A spare only says hello, then waits in register() for its welcome. */
  #onSpareFrame(spare: Instance, type: number, payload: Buffer): void {
    const hello = type === InstanceFrame.hello ? decodeHello(payload) : undefined;
    if (spare.greeted || hello === undefined) {
      this.#protocolError(spare, new ProtocolError(spare.greeted ? `frame 0x${type.toString(16)} from a spare that has not been promoted` : "a malformed or missing hello"));
      return;
    }
    spare.greeted = true;
    if (hello.version !== protocolVersion) this.#refuseVersion(spare, hello.version);
  }

  async #storeData(instance: Instance, data: Uint8Array | null): Promise<void> {
    const store = this.#settings.options.store;
    try {
      if (store) await store.save(data);
      this.#data = data;
      if (!instance.exited) instance.channel.write(okReplies[InstanceFrame.dataStore] as Buffer);
    } catch (error) {
      const samError = SamError.isInstance(error) ? error : new SamError("CS_ERR_LIBRARY", String(error), { cause: error });
      this.#error(`storing ${data?.byteLength ?? 0} bytes failed: ${samError.message}`);
      if (!instance.exited) instance.channel.write(encodeReply(InstanceFrame.dataStore, samError.csError, samError.message));
    }
  }

  async #quit(exitCode: number, failed: boolean): Promise<void> {
    const { options } = this.#settings;
    this.#clearTimers();
    clearTimeout(this.#spareTimer);
    // An instance that gave notice of its exit finishes its tear-down before the supervisor goes,
    // so whoever waits for the supervisor finds the instance gone too.
    const last = this.#instance;
    if (last?.noticed) await Promise.race([last.gone, new Promise((resolve) => setTimeout(resolve, exitNoticeGrace + 100))]);
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare && !spare.exited) {
      // Parked in register(), it has done nothing worth a warning.
      killGroup(spare.child);
      spare.channel.destroy();
    }
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    const settle = async (what: string, step: (() => Promise<void>) | undefined) => {
      try {
        await step?.();
      } catch (error) {
        this.#error(`${what} failed while quitting: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    await settle("closing the quorum source", options.quorum && (() => options.quorum!.close()));
    // A recovery quit leaves `failed` published for the watchdog; a clean quit removes the keys.
    if (options.cmap) {
      const cmap = options.cmap;
      if (!failed) await settle("removing the published state", () => cmap.remove());
      await settle("closing the state publisher", () => cmap.close());
    }
    await settle("closing the data store", options.store && (() => options.store!.close()));
    this.#emit({ type: "quit", time: wallClock(), exitCode, failed });
    this.#finish(exitCode);
  }
}
