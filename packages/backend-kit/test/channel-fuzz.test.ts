// 100,000 random and truncated inputs through the channel's parser and decoders, as both ends of
// every backend read them: nothing but a ProtocolError may come out, and nothing may hang.
import { describe, expect, it } from "vitest";
import { channelProtocol, FrameReader, ProtocolError } from "../src/index.js";

const { InstanceFrame, SupervisorFrame, decodeHello, decodeWelcome, decodeReply, decodeHealthCheckPing, encodeFrame } = channelProtocol;

/** A small, seeded generator, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const knownTypes = [...Object.values(InstanceFrame), ...Object.values(SupervisorFrame)];

describe("channel fuzz", () => {
  it("100,000 inputs: only ProtocolError, every decoder total", () => {
    const next = random(20261125);
    const byte = () => Math.floor(next() * 256);
    let protocolErrors = 0;
    let frames = 0;
    for (let input = 0; input < 100_000; input++) {
      // Half pure noise; half frames of known types with random payloads, truncated or not.
      let bytes: Buffer;
      if (next() < 0.5) {
        bytes = Buffer.from(Array.from({ length: Math.floor(next() * 64) }, byte));
      } else {
        const type = knownTypes[Math.floor(next() * knownTypes.length)]!;
        const frame = encodeFrame(type, Buffer.from(Array.from({ length: Math.floor(next() * 40) }, byte)));
        bytes = frame.subarray(0, next() < 0.3 ? Math.floor(next() * frame.byteLength) : frame.byteLength);
      }
      const reader = new FrameReader(
        (type) => (knownTypes.includes(type as never) ? 4096 : undefined),
        (type, payload) => {
          frames++;
          // Every decoder must answer undefined or a value for any payload, never throw.
          expect(() => {
            if (type === InstanceFrame.hello) decodeHello(payload);
            else if (type === SupervisorFrame.welcome) decodeWelcome(payload);
            else if (type === SupervisorFrame.reply) decodeReply(payload);
            else if (type === SupervisorFrame.healthCheckPing) decodeHealthCheckPing(payload);
          }).not.toThrow();
        },
      );
      // Split at a random point: a frame across two chunks is the common case on a socket.
      const split = Math.floor(next() * (bytes.byteLength + 1));
      try {
        reader.push(bytes.subarray(0, split));
        reader.push(bytes.subarray(split));
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
        protocolErrors++;
      }
    }
    expect(protocolErrors).toBeGreaterThan(10_000);
    expect(frames).toBeGreaterThan(10_000);
    console.log(`channel fuzz: 100000 inputs, ${frames} frames decoded, ${protocolErrors} protocol errors, no other failure`);
    // About 4 s alone on this 2-core machine: over vitest's default 5 s when the machine is busy.
  }, 60_000);
});
