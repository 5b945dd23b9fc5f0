// The channel protocol's golden bytes (protocol/golden-frames.txt): each frame as the TypeScript
// side encodes it, and as it decodes it. backend-native's C side checks itself against the same file.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FrameReader, channelProtocol } from "../src/index.js";

const {
  InstanceFrame,
  SupervisorFrame,
  decodeExiting,
  decodeHealthCheckPing,
  decodeHello,
  decodeReply,
  decodeWelcome,
  encodeDataStore,
  encodeExiting,
  encodeHealthCheckRegister,
  encodeHealthCheckResult,
  encodeHello,
  encodeReply,
  encodeWarnSignalSet,
  encodeWelcome,
  heartbeatFrame,
  heartbeatSentAt,
  markFailedFrame,
  dataStoredFrame,
  smallFrameLimit,
  stampHeartbeat,
  startFrame,
  stopFrame,
  timedHeartbeatFrame,
  welcomeLimit,
} = channelProtocol;

const golden = new Map(
  readFileSync(new URL("../../../protocol/golden-frames.txt", import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [name, , bytes] = line.split(/\s+/) as [string, string, string];
      return [name, Buffer.from(bytes, "hex")];
    }),
);

/** The one frame in `bytes`, as the frame reader hands it over. */
function readOne(bytes: Buffer): { type: number; payload: Buffer } {
  const frames: { type: number; payload: Buffer }[] = [];
  const reader = new FrameReader(
    (type) => (type === InstanceFrame.dataStore || type === SupervisorFrame.welcome ? welcomeLimit : smallFrameLimit),
    (type, payload) => frames.push({ type, payload: Buffer.from(payload) }),
  );
  reader.push(bytes);
  expect(frames).toHaveLength(1);
  return frames[0]!;
}

const encoded: Record<string, Buffer> = {
  hello: encodeHello(1234),
  start: startFrame,
  stop: stopFrame,
  heartbeat: heartbeatFrame,
  "heartbeat-timed": stampHeartbeat(timedHeartbeatFrame(), 1700000000000.5),
  dataStore: encodeDataStore(Buffer.from("hello")),
  "dataStore-delete": encodeDataStore(null),
  warnSignalSet: encodeWarnSignalSet(12),
  markFailed: markFailedFrame,
  healthCheckRegister: encodeHealthCheckRegister(true),
  healthCheckResult: encodeHealthCheckResult(42, true),
  exiting: encodeExiting(3),
  dataStored: dataStoredFrame,
  welcome: encodeWelcome({ instanceId: 2, interval: 1000, warnSignal: 15, data: Buffer.from("hi") }),
  "welcome-no-data": encodeWelcome({ instanceId: 1, interval: 0, warnSignal: 15, data: null }),
  reply: encodeReply(InstanceFrame.start, 1),
  "reply-error": encodeReply(InstanceFrame.warnSignalSet, 7, "bad signal"),
};

describe("the golden frames", () => {
  it("lists every frame type of the protocol table", () => {
    const types = new Set([...golden.values()].map((bytes) => bytes[0]));
    for (const type of [...Object.values(InstanceFrame), ...Object.values(SupervisorFrame)]) expect(types, `0x${type.toString(16)}`).toContain(type);
  });

  it("are what the TypeScript encoders write", () => {
    for (const [name, bytes] of Object.entries(encoded)) expect(bytes.toString("hex"), name).toBe(golden.get(name)!.toString("hex"));
  });

  it("decode to what they say", () => {
    const payload = (name: string) => readOne(golden.get(name)!).payload;
    expect(decodeHello(payload("hello"))).toEqual({ version: 1, pid: 1234 });
    expect(heartbeatSentAt(payload("heartbeat-timed"))).toBe(1700000000000.5);
    expect(heartbeatSentAt(payload("heartbeat"))).toBeUndefined();
    expect(payload("dataStore").toString()).toBe("hello");
    expect(payload("dataStore-delete").byteLength).toBe(0);
    expect(payload("warnSignalSet").readUInt16BE(0)).toBe(12);
    expect(decodeExiting(payload("exiting"))).toBe(3);
    expect(decodeWelcome(payload("welcome"))).toEqual({ version: 1, instanceId: 2, interval: 1000, warnSignal: 15, data: Buffer.from("hi") });
    expect(decodeWelcome(payload("welcome-no-data"))).toEqual({ version: 1, instanceId: 1, interval: 0, warnSignal: 15, data: null });
    expect(decodeReply(payload("reply"))).toEqual({ request: InstanceFrame.start, csError: 1, message: "" });
    expect(decodeReply(payload("reply-error"))).toEqual({ request: InstanceFrame.warnSignalSet, csError: 7, message: "bad signal" });
    expect(decodeHealthCheckPing(payload("healthCheckPing"))).toBe(42);
  });
});
