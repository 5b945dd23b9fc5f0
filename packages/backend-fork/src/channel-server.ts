/**
 * The supervisor's side of the channel: frames from an instance in, policy events and requests
 * for the supervisor out. It checks each frame (its place in the conversation, its payload) and
 * kills an instance that breaks the protocol.
 */
import { SamError, signalName, type PolicyEvent } from "@samkit/core";
import { channelProtocol, ProtocolError } from "@samkit/backend-kit";
import { killGroup, nameOf, type Instance } from "./instance-process.js";

const { InstanceFrame, decodeExiting, decodeHello, encodeReply, heartbeatSentAt, okReplies, protocolVersion, smallFrameLimit } = channelProtocol;

/** What the channel asks of the supervisor. */
export interface ChannelHost {
  /** The instance whose frames count (not a spare, not one that ended). */
  active(): Instance | undefined;
  /** Whether `instance` is the parked spare of the warm standby. */
  isSpare(instance: Instance): boolean;
  handle(event: PolicyEvent): void;
  /** A sign of life on the hot path: no event, no state, no timer is allocated. */
  heartbeat(now: number): void;
  /** The instance said hello: it gets its welcome. */
  welcome(instance: Instance): void;
  /** A data store over the channel (no data file): save it, then reply. */
  storeData(instance: Instance, data: Uint8Array | null): void;
  /** Queues a step behind the work in progress (a reply after a state published before it). */
  enqueue(step: () => void): void;
  exitNoticed(instance: Instance, code: number, now: number): void;
  /** Any frame from the instance: the CMAP publisher's last_updated. */
  touch(): void;
  error(message: string): void;
}

export class ChannelServer {
  constructor(
    private readonly host: ChannelHost,
    private readonly maxDataSize: number,
    /** How much earlier than now a heartbeat's own send time may be taken (the deadline clock's margin). */
    private readonly stampTolerance: number,
  ) {}

  limitFor(type: number): number | undefined {
    switch (type) {
      case InstanceFrame.dataStore:
        return this.maxDataSize;
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

  protocolError(instance: Instance, error: unknown): void {
    instance.reader.fail();
    const reason = error instanceof Error ? error.message : String(error);
    this.host.error(`${nameOf(instance)} broke the channel protocol (${reason}); it is killed`);
    if (!instance.exited) killGroup(instance);
  }

  /**
   * When a heartbeat was sent, on this process's performance clock: the instance's stamp when it
   * is plausible, else `now`. The supervisor may wake a while after the write, and that would
   * push the deadline later. Only a stamp a little before `now` is taken, so two clocks that
   * disagree (a wall-clock step between the two processes' starts) never move a deadline by more.
   */
  #sentAt(payload: Buffer, now: number): number {
    const stamp = heartbeatSentAt(payload);
    if (stamp === undefined) return now;
    const sentAt = stamp - performance.timeOrigin;
    return sentAt <= now && now - sentAt <= this.stampTolerance ? sentAt : now;
  }

  onFrame(instance: Instance, type: number, payload: Buffer): void {
    const host = this.host;
    if (instance !== host.active() || instance.exited) {
      if (host.isSpare(instance) && !instance.exited) this.#onSpareFrame(instance, type, payload);
      return;
    }
    if (type === InstanceFrame.heartbeat) {
      host.touch();
      host.heartbeat(this.#sentAt(payload, performance.now()));
      return;
    }
    if (!instance.greeted && type !== InstanceFrame.hello) {
      this.protocolError(instance, new ProtocolError(`frame 0x${type.toString(16)} before hello`));
      return;
    }
    host.touch();
    const now = performance.now();
    switch (type) {
      case InstanceFrame.hello: {
        const hello = decodeHello(payload);
        if (instance.greeted || hello === undefined) {
          this.protocolError(instance, new ProtocolError("a malformed or repeated hello"));
          return;
        }
        instance.greeted = true;
        if (hello.version !== protocolVersion) {
          this.#refuseVersion(instance, hello.version);
          return;
        }
        host.handle({ type: "message", now, message: "other" });
        host.welcome(instance);
        return;
      }
      case InstanceFrame.start:
        host.handle({ type: "message", now, message: "start" });
        return;
      case InstanceFrame.stop:
        host.handle({ type: "message", now, message: "stop" });
        return;
      case InstanceFrame.dataStore:
        // To the policy a data store is a sign of life, the same step as a heartbeat.
        host.heartbeat(now);
        host.storeData(instance, payload.byteLength === 0 ? null : new Uint8Array(payload));
        return;
      case InstanceFrame.dataStored:
        // The data is in the instance's data file, read when it is gone: here only a sign of life.
        host.heartbeat(now);
        return;
      case InstanceFrame.warnSignalSet: {
        const name = payload.byteLength === 2 ? signalName(payload.readUInt16BE(0)) : undefined;
        if (name === undefined) {
          this.protocolError(instance, new ProtocolError("warn signal set with an unknown signal"));
          return;
        }
        host.handle({ type: "message", now, message: "warn-signal-set", warnSignal: name });
        host.enqueue(() => {
          if (!instance.exited) instance.channel.write(okReplies[InstanceFrame.warnSignalSet] as Buffer);
        });
        return;
      }
      case InstanceFrame.markFailed:
        host.handle({ type: "mark-failed", now });
        return;
      case InstanceFrame.exiting: {
        const code = decodeExiting(payload);
        if (code === undefined) {
          this.protocolError(instance, new ProtocolError("a malformed exit notice"));
          return;
        }
        host.exitNoticed(instance, code, now);
        return;
      }
    }
  }

  /** A spare only says hello, then waits in register() for its welcome. */
  #onSpareFrame(spare: Instance, type: number, payload: Buffer): void {
    const hello = type === InstanceFrame.hello ? decodeHello(payload) : undefined;
    if (spare.greeted || hello === undefined) {
      this.protocolError(spare, new ProtocolError(spare.greeted ? `frame 0x${type.toString(16)} from a spare that has not been promoted` : "a malformed or missing hello"));
      return;
    }
    spare.greeted = true;
    if (hello.version !== protocolVersion) this.#refuseVersion(spare, hello.version);
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
}
