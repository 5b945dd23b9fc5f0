/**
 * samkit's channel protocol between an instance and its supervisor (backend-fork's supervisor, or
 * backend-native's relay, which speaks it in C): the encoders and decoders of its frames. The
 * frame types and limits come from protocol/protocol.json (docs/protocol.md). A heartbeat is a
 * constant 5-byte frame, so sending one allocates nothing and parsing one copies nothing.
 */

import { encodeFrame } from "./frames.js";

export { FrameReader, ProtocolError, encodeFrame, headerSize } from "./frames.js";

import { InstanceFrame, SupervisorFrame, protocolVersion } from "./protocol.generated.js";

export { InstanceFrame, SupervisorFrame, protocolVersion, smallFrameLimit, welcomeLimit, relayFrames, dataFileLayout } from "./protocol.generated.js";

const empty = Buffer.alloc(0);

export const heartbeatFrame: Buffer = encodeFrame(InstanceFrame.heartbeat);

/**
 * A heartbeat that carries when it was sent (float64 milliseconds, performance.timeOrigin +
 * performance.now()), for a supervisor on the same machine that times the instance from the
 * moment it sent, not from the moment the supervisor woke up to read it. One buffer, stamped in
 * place before each write: sending one allocates nothing. Only write it while nothing is queued
 * on the channel (a queued write may still hold the buffer).
 */
export function timedHeartbeatFrame(): Buffer {
  return encodeFrame(InstanceFrame.heartbeat, Buffer.alloc(8));
}

export function stampHeartbeat(frame: Buffer, sentAt: number): Buffer {
  frame.writeDoubleBE(sentAt, 5);
  return frame;
}

/** The send time a heartbeat carries, or undefined for a plain one. */
export function heartbeatSentAt(payload: Buffer): number | undefined {
  return payload.byteLength === 8 ? payload.readDoubleBE(0) : undefined;
}
export const startFrame: Buffer = encodeFrame(InstanceFrame.start);
export const stopFrame: Buffer = encodeFrame(InstanceFrame.stop);
export const markFailedFrame: Buffer = encodeFrame(InstanceFrame.markFailed);
export const dataStoredFrame: Buffer = encodeFrame(InstanceFrame.dataStored);

export function encodeHello(pid: number): Buffer {
  const payload = Buffer.allocUnsafe(6);
  payload.writeUInt16BE(protocolVersion, 0);
  payload.writeUInt32BE(pid, 2);
  return encodeFrame(InstanceFrame.hello, payload);
}

export interface Hello {
  version: number;
  pid: number;
}

export function decodeHello(payload: Buffer): Hello | undefined {
  if (payload.byteLength !== 6) return undefined;
  return { version: payload.readUInt16BE(0), pid: payload.readUInt32BE(2) };
}

/** DATA_STORE: the bytes, or an empty payload to delete. */
export function encodeDataStore(data: Uint8Array | null): Buffer {
  return encodeFrame(InstanceFrame.dataStore, data ?? empty);
}

export function encodeWarnSignalSet(signalNumber: number): Buffer {
  const payload = Buffer.allocUnsafe(2);
  payload.writeUInt16BE(signalNumber, 0);
  return encodeFrame(InstanceFrame.warnSignalSet, payload);
}

export interface Welcome {
  version: number;
  instanceId: number;
  interval: number;
  warnSignal: number;
  data: Buffer | null;
}

export function encodeWelcome(welcome: Omit<Welcome, "version" | "data"> & { data: Uint8Array | null }): Buffer {
  const data = welcome.data ?? empty;
  const payload = Buffer.allocUnsafe(13 + data.byteLength);
  payload.writeUInt16BE(protocolVersion, 0);
  payload.writeUInt32BE(welcome.instanceId, 2);
  payload.writeUInt32BE(welcome.interval, 6);
  payload.writeUInt16BE(welcome.warnSignal, 10);
  payload[12] = welcome.data === null ? 0 : 1;
  payload.set(data, 13);
  return encodeFrame(SupervisorFrame.welcome, payload);
}

export function decodeWelcome(payload: Buffer): Welcome | undefined {
  if (payload.byteLength < 13) return undefined;
  const hasData = payload[12];
  if (hasData !== 0 && hasData !== 1) return undefined;
  return {
    version: payload.readUInt16BE(0),
    instanceId: payload.readUInt32BE(2),
    interval: payload.readUInt32BE(6),
    warnSignal: payload.readUInt16BE(10),
    data: hasData === 1 ? Buffer.from(payload.subarray(13)) : null,
  };
}

/**
 * REPLY: the frame type of the request it answers, a cs_error_t (1 = CS_OK) and, on error, a
 * UTF-8 message. Naming the request lets a reply that waits (start() waiting for quorum) be
 * overtaken by later ones without confusing the instance.
 */
export function encodeReply(request: number, csError: number, message = ""): Buffer {
  const text = Buffer.from(message.slice(0, 1000), "utf8");
  const payload = Buffer.allocUnsafe(5 + text.byteLength);
  payload[0] = request;
  payload.writeUInt32BE(csError, 1);
  payload.set(text, 5);
  return encodeFrame(SupervisorFrame.reply, payload);
}

export const okReplies: Readonly<Record<number, Buffer>> = Object.fromEntries(
  Object.values(InstanceFrame).map((type) => [type, encodeReply(type, 1)]),
);

export interface Reply {
  request: number;
  csError: number;
  message: string;
}

export function decodeReply(payload: Buffer): Reply | undefined {
  if (payload.byteLength < 5) return undefined;
  return { request: payload[0] as number, csError: payload.readUInt32BE(1), message: payload.subarray(5).toString("utf8") };
}


export function encodeHealthCheckRegister(enabled: boolean): Buffer {
  return encodeFrame(InstanceFrame.healthCheckRegister, Buffer.of(enabled ? 1 : 0));
}

export function encodeHealthCheckResult(sequence: number, healthy: boolean): Buffer {
  const payload = Buffer.allocUnsafe(5);
  payload.writeUInt32BE(sequence, 0);
  payload[4] = healthy ? 1 : 0;
  return encodeFrame(InstanceFrame.healthCheckResult, payload);
}

export function encodeExiting(code: number): Buffer {
  return encodeFrame(InstanceFrame.exiting, Buffer.of(code & 0xff));
}

export function decodeExiting(payload: Buffer): number | undefined {
  return payload.byteLength === 1 ? (payload[0] as number) : undefined;
}

export function decodeHealthCheckPing(payload: Buffer): number | undefined {
  return payload.byteLength === 4 ? payload.readUInt32BE(0) : undefined;
}
