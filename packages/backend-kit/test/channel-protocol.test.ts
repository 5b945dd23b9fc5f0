import { describe, expect, it } from "vitest";
import {
  FrameReader,
  InstanceFrame,
  ProtocolError,
  SupervisorFrame,
  decodeHello,
  decodeReply,
  decodeWelcome,
  encodeDataStore,
  encodeHello,
  encodeReply,
  encodeWelcome,
  heartbeatFrame,
  decodeExiting,
  encodeExiting,
  heartbeatSentAt,
  stampHeartbeat,
  timedHeartbeatFrame,
} from "../src/channel-protocol.js";

function collect(limit = 1024) {
  const frames: [number, Buffer][] = [];
  const reader = new FrameReader(
    (type) => (type === 0x7f ? undefined : limit),
    (type, payload) => frames.push([type, Buffer.from(payload)]),
  );
  return { frames, reader };
}

describe("channel protocol", () => {
  it("round-trips hello, welcome, reply and data frames", () => {
    const { frames, reader } = collect(1 << 20);
    reader.push(Buffer.concat([encodeHello(4242), heartbeatFrame, encodeDataStore(Uint8Array.of(1, 2, 3)), encodeDataStore(null)]));
    reader.push(encodeWelcome({ instanceId: 7, interval: 300, warnSignal: 15, data: Uint8Array.of(9) }));
    reader.push(encodeReply(InstanceFrame.dataStore, 26, "too big"));
    expect(frames.map(([type]) => type)).toEqual([
      InstanceFrame.hello,
      InstanceFrame.heartbeat,
      InstanceFrame.dataStore,
      InstanceFrame.dataStore,
      SupervisorFrame.welcome,
      SupervisorFrame.reply,
    ]);
    expect(decodeHello(frames[0]![1])).toEqual({ version: 1, pid: 4242 });
    expect([...frames[2]![1]]).toEqual([1, 2, 3]);
    expect(frames[3]![1].byteLength).toBe(0);
    expect(decodeWelcome(frames[4]![1])).toEqual({ version: 1, instanceId: 7, interval: 300, warnSignal: 15, data: Buffer.of(9) });
    expect(decodeWelcome(encodeWelcome({ instanceId: 1, interval: 0, warnSignal: 9, data: null }).subarray(5))?.data).toBeNull();
    expect(decodeReply(frames[5]![1])).toEqual({ request: InstanceFrame.dataStore, csError: 26, message: "too big" });
  });

  it("stamps a timed heartbeat in place and reads the stamp back; a plain heartbeat has none", () => {
    const frame = timedHeartbeatFrame();
    const { frames, reader } = collect();
    expect(stampHeartbeat(frame, 1234.5)).toBe(frame);
    reader.push(Buffer.from(frame));
    stampHeartbeat(frame, 99_999.25);
    reader.push(frame);
    reader.push(heartbeatFrame);
    expect(frames.map(([type]) => type)).toEqual([InstanceFrame.heartbeat, InstanceFrame.heartbeat, InstanceFrame.heartbeat]);
    expect(frames.map(([, payload]) => heartbeatSentAt(payload))).toEqual([1234.5, 99_999.25, undefined]);
  });

  it("round-trips an exit notice; a malformed one decodes to nothing", () => {
    const { frames, reader } = collect();
    reader.push(encodeExiting(7));
    reader.push(encodeExiting(300));
    expect(frames.map(([type, payload]) => [type, decodeExiting(payload)])).toEqual([[InstanceFrame.exiting, 7], [InstanceFrame.exiting, 300 & 0xff]]);
    expect(decodeExiting(Buffer.alloc(2))).toBeUndefined();
  });

  it("reassembles frames split at every byte", () => {
    const stream = Buffer.concat([encodeHello(1), heartbeatFrame, encodeDataStore(Buffer.alloc(300, 7)), heartbeatFrame]);
    const { frames, reader } = collect();
    for (const byte of stream) reader.push(Buffer.of(byte));
    expect(frames.map(([type, payload]) => [type, payload.byteLength])).toEqual([
      [InstanceFrame.hello, 6],
      [InstanceFrame.heartbeat, 0],
      [InstanceFrame.dataStore, 300],
      [InstanceFrame.heartbeat, 0],
    ]);
    expect(reader.pendingBytes).toBe(0);
  });

  it("copies a large frame once, however many chunks it comes in", () => {
    const data = Buffer.alloc(4 * 1024 * 1024, 3);
    const frame = encodeDataStore(data);
    const { frames, reader } = collect(8 * 1024 * 1024);
    for (let offset = 0; offset < frame.byteLength; offset += 65536) reader.push(frame.subarray(offset, offset + 65536));
    expect(frames).toHaveLength(1);
    expect(frames[0]![1].equals(data)).toBe(true);
  });

  it("rejects an unknown type and an oversized frame, and then stays failed", () => {
    const unknown = collect();
    expect(() => unknown.reader.push(Buffer.of(0x7f, 0, 0, 0, 0))).toThrow(ProtocolError);
    unknown.reader.push(heartbeatFrame);
    expect(unknown.frames).toHaveLength(0);
    const oversized = collect(10);
    expect(() => oversized.reader.push(Buffer.of(InstanceFrame.dataStore, 0, 0, 0, 11))).toThrow(/over its limit of 10 bytes/);
  });

  it("decodes nothing from malformed payloads", () => {
    expect(decodeHello(Buffer.alloc(5))).toBeUndefined();
    expect(decodeWelcome(Buffer.alloc(12))).toBeUndefined();
    const badFlag = encodeWelcome({ instanceId: 1, interval: 1, warnSignal: 15, data: null }).subarray(5);
    badFlag[12] = 2;
    expect(decodeWelcome(badFlag)).toBeUndefined();
    expect(decodeReply(Buffer.alloc(4))).toBeUndefined();
  });
});
