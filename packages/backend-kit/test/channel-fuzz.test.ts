// 100,000 random and truncated inputs through the channel's parser and decoders, as both ends of
// every backend read them: nothing but a ProtocolError may come out, and nothing may hang. The
// seed changes every run and is named on a failure (SAMKIT_FUZZ_SEED=<seed> replays it).
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

const seed = Number(process.env.SAMKIT_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const knownTypes = [...Object.values(InstanceFrame), ...Object.values(SupervisorFrame)];

describe("channel fuzz", () => {
  it("100,000 inputs: only ProtocolError, every decoder total", () => {
    const next = random(seed);
    const byte = () => Math.floor(next() * 256);
    let protocolErrors = 0;
    let frames = 0;
    const fuzzOne = () => {
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
          if (type === InstanceFrame.hello) decodeHello(payload);
          else if (type === SupervisorFrame.welcome) decodeWelcome(payload);
          else if (type === SupervisorFrame.reply) decodeReply(payload);
          else if (type === SupervisorFrame.healthCheckPing) decodeHealthCheckPing(payload);
        },
      );
      // Split at a random point: a frame across two chunks is the common case on a socket.
      const split = Math.floor(next() * (bytes.byteLength + 1));
      try {
        reader.push(bytes.subarray(0, split));
        reader.push(bytes.subarray(split));
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        protocolErrors++;
      }
    };
    for (let input = 0; input < 100_000; input++) {
      try {
        fuzzOne();
      } catch (failure) {
        throw new Error(`channel fuzz: input ${input} of seed ${seed} failed (replay with SAMKIT_FUZZ_SEED=${seed}): ${String(failure)}`, { cause: failure });
      }
    }
    expect(protocolErrors).toBeGreaterThan(10_000);
    expect(frames).toBeGreaterThan(10_000);
    console.log(`channel fuzz: 100000 inputs of seed ${seed}, ${frames} frames decoded, ${protocolErrors} protocol errors, no other failure`);
  }, 60_000);
});
