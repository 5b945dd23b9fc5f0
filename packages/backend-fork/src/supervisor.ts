/**
 * The supervisor of backend-fork: it runs @samkit/core's policy engine and carries out its actions
 * (signals, replies, restarts, the exit), with the instance's process, its channel, the warm
 * standby and the deadline clock each in a file of its own.
 */
import { performance } from "node:perf_hooks";
import { PolicyEngine, SamError, signalNumber, type PolicyAction, type PolicyEvent, type ResolvedOptions, type SignalName } from "@samkit/core";
import { channelProtocol, type EntryCommand } from "@samkit/backend-kit";
import { raiseSupervisorPriority, restorePriority } from "./supervisor-priority.js";
import { collectInstanceData } from "./instance-data-file.js";
import { InstanceLauncher, killGroup, nameOf, type Instance } from "./instance-process.js";
import { ChannelServer } from "./channel-server.js";
import { DeadlineClock } from "./deadline-clock.js";
import { WarmStandby } from "./warm-standby.js";
import { closePlugins, watchPlugins } from "./supervisor-plugins.js";
import type { ExternalMessage, ForkSupervisorEvent, SupervisorStatus } from "./supervisor-events.js";

export type { ExternalMessage, SupervisorStatus };

const { InstanceFrame, encodeReply, encodeWelcome, okReplies } = channelProtocol;

export interface SupervisorSettings {
  options: ResolvedOptions;
  data: Uint8Array | null;
  warnSignal: SignalName;
  entry: EntryCommand;
  killTimeout: number | undefined;
  onEvent: ((event: ForkSupervisorEvent) => void) | undefined;
  /** Warm standby: keep one spare instance parked inside register(), promoted when the active one ends. */
  standby?: boolean | undefined;
  /** Start instances through samkit-guard where it runs (default true). */
  guard?: boolean | undefined;
}

/** How long an instance that gave notice of its exit may take to tear down before it is SIGKILLed. */
const exitNoticeGrace = 1000;

const wallClock = () => performance.timeOrigin + performance.now();

export class ForkSupervisor {
  readonly #settings: SupervisorSettings;
  readonly #engine: PolicyEngine;
  readonly #clock: DeadlineClock;
  readonly #launcher: InstanceLauncher;
  readonly #channels: ChannelServer;
  readonly #standby: WarmStandby | undefined;
  #data: Uint8Array | null;
  #instance: Instance | undefined;
  /** An instance that gave notice of its exit and whose process is not gone yet. */
  #departing: Instance | undefined;
  #lastMessageAt: number | null = null;
  // Actions run one after another: a state published before a reply, a store saved before the next spawn.
  #work: Promise<void> = Promise.resolve();
  #queued = 0;
  #finish: (exitCode: number) => void = () => {};
  #cleanups: (() => void)[] = [];
  /** The priority this process had before it became the supervisor, when it raised its own; instances get it back. */
  #startedPriority: number | undefined;

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
    this.#clock = new DeadlineClock(options.interval, (now) => this.#handle({ type: "timer", now }));
    this.#channels = new ChannelServer(
      {
        active: () => this.#instance,
        isSpare: (instance) => this.#standby?.holds(instance) ?? false,
        handle: (event) => this.#handle(event),
        heartbeat: (now) => this.#heartbeat(now),
        welcome: (instance) => this.#welcome(instance),
        storeData: (instance, data) => {
          // The common case answers at once: no store to save to, nothing queued to wait for.
          if (this.#queued === 0 && !options.store) void this.#storeData(instance, data);
          else this.#enqueue(() => this.#storeData(instance, data));
        },
        enqueue: (step) => this.#enqueue(step),
        exitNoticed: (instance, code, now) => this.#exitNoticed(instance, code, now),
        touch: () => options.cmap?.touch(),
        error: (message) => this.#error(message),
      },
      options.maxDataSize,
      this.#clock.margin,
    );
    this.#launcher = new InstanceLauncher(
      { entry: settings.entry, dataFiles: !options.store, startedPriority: () => this.#startedPriority, guard: settings.guard ?? true },
      {
        limitFor: (type) => this.#channels.limitFor(type),
        onFrame: (instance, type, payload) => this.#channels.onFrame(instance, type, payload),
        onProtocolError: (instance, error) => this.#channels.protocolError(instance, error),
        onGone: (instance) => this.#collectData(instance),
        onEnded: (instance, code, signal) => this.#ended(instance, code, signal),
        onStartError: (instance, error) => this.#error(`${nameOf(instance)} could not be started: ${error.message}`),
        notice: (message) => this.#error(message),
      },
    );
    if (settings.standby) {
      this.#standby = new WarmStandby(
        {
          launcher: this.#launcher,
          wanted: () => this.#engine.state.phase === "running" && !this.#engine.state.stopping,
          nextDeadline: () => this.#engine.nextDeadline,
          started: (pid) => this.#emit({ type: "standby", time: wallClock(), pid }),
        },
        options.interval,
      );
    }
  }

  /** What the supervisor knows now, for `samctl status`. */
  status(): SupervisorStatus {
    const state = this.#engine.state;
    const instance = this.#instance;
    return {
      phase: state.phase,
      instanceId: state.instanceId,
      instancePid: instance && !instance.exited ? (instance.pid ?? null) : null,
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
   * A message for the current instance from outside its channel (a probe, the systemd notify
   * protocol, any health source of the caller's): as if the instance had sent it, except that
   * start() and stop() are acknowledged to nobody.
   */
  external(message: ExternalMessage): void {
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
    const onStopSignal = () => this.stop();
    process.on("SIGTERM", onStopSignal);
    process.on("SIGINT", onStopSignal);
    this.#cleanups.push(() => {
      process.off("SIGTERM", onStopSignal);
      process.off("SIGINT", onStopSignal);
    });
    const onQuorum = (quorate: boolean) => {
      this.#emit({ type: "quorum", time: wallClock(), quorate });
      this.#handle({ type: "quorum", now: performance.now(), quorate });
    };
    this.#cleanups.push(...watchPlugins(options, onQuorum, (message) => this.#error(message)));
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

  #error(message: string): void {
    this.#emit({ type: "error", time: wallClock(), instanceId: this.#instance?.id ?? 0, message });
  }

  #handle(event: PolicyEvent): void {
    if (event.type === "message") this.#lastMessageAt = event.now;
    const actions = this.#engine.handle(event);
    if (actions.length > 0) this.#enqueue(() => this.#perform(actions));
    this.#setClock(event.now);
  }

  /** The hot path: a heartbeat allocates no event, no state and no timer. */
  #heartbeat(now: number): void {
    this.#lastMessageAt = now;
    this.#engine.heartbeat(now);
    this.#setClock(now);
  }

  #setClock(now: number): void {
    const state = this.#engine.state;
    this.#clock.set(state.deadline, state.killAt, now);
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
        this.#emit({ type: "signal", time: wallClock(), instanceId: instance.id, pid: instance.pid ?? 0, signal: action.signal, reason: action.reason, sinceLastMessage });
        // The warning is the instance's to handle; SIGKILL takes its whole process group.
        if (action.signal === "SIGKILL") killGroup(instance);
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

  #spawn(instanceId: number, delay: number, waited: number): void {
    const spare = this.#standby?.take();
    const instance = spare ?? this.#launcher.start(false);
    instance.id = instanceId;
    this.#instance = instance;
    const time = wallClock();
    void instance.identified.then((pid) => this.#emit({ type: "spawn", time, instanceId, pid, delay, waited, standby: spare !== undefined }));
    this.#handle({ type: "spawned", now: performance.now() });
    // A spare that already said hello only waits for its welcome; one still starting gets it after its hello.
    if (spare && instance.greeted) this.#welcome(instance);
  }

  /** Takes in what an instance that is gone stored last in its data file, and frees the file. */
  #collectData(instance: Instance): void {
    const fd = instance.dataFd;
    if (fd === undefined) return;
    instance.dataFd = undefined;
    try {
      const contents = collectInstanceData(fd, this.#settings.options.maxDataSize);
      if (contents.stored) this.#data = contents.data;
    } catch (error) {
      this.#error(`the data file of ${nameOf(instance)} is not taken: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #ended(instance: Instance, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#standby?.holds(instance)) {
      this.#standby.ended(instance);
      this.#error(`the standby instance (PID ${instance.pid ?? 0}) ended (${signal ?? `exit code ${String(code)}`}) before it was needed`);
      return;
    }
    if (instance !== this.#instance) return;
    this.#emit({ type: "exit", time: wallClock(), instanceId: instance.id, pid: instance.pid ?? 0, code, signal });
    this.#handle({ type: "exit", now: performance.now(), code, signal });
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
      this.#standby?.schedule();
    });
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
    const grace = setTimeout(() => killGroup(instance), exitNoticeGrace);
    void instance.gone.then(() => {
      clearTimeout(grace);
      if (this.#departing === instance) this.#departing = undefined;
    });
    this.#emit({ type: "exit", time: wallClock(), instanceId: instance.id, pid: instance.pid ?? 0, code, signal: null });
    this.#handle({ type: "exit", now, code, signal: null });
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
    this.#clock.clear();
    // An instance that gave notice of its exit finishes its tear-down before the supervisor goes,
    // so whoever waits for the supervisor finds the instance gone too.
    const last = this.#instance;
    if (last?.noticed) await Promise.race([last.gone, new Promise((resolve) => setTimeout(resolve, exitNoticeGrace + 100))]);
    this.#standby?.discard();
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    await closePlugins(options, failed, (message) => this.#error(message));
    this.#emit({ type: "quit", time: wallClock(), exitCode, failed });
    this.#finish(exitCode);
  }
}
