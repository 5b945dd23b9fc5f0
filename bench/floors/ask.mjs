// The Node side of the round-trip floor: `node ask.mjs <warm-up> <count>` makes that many round
// trips on fd 3 (1029 bytes out, 6 back) with blocking reads and writes, the cheapest way Node
// has, and prints one line of microseconds each after the warm-up (as `peer ask` does in C).
const { readSync, writeSync } = process.getBuiltinModule("node:fs");
const [warmUp, count] = process.argv.slice(2).map(Number);
const request = Buffer.alloc(1029, 7);
const reply = Buffer.allocUnsafe(6);
const lines = [];
for (let round = 0; round < warmUp + count; round++) {
  const started = performance.now();
  writeSync(3, request);
  for (let got = 0; got < reply.byteLength; ) {
    const part = readSync(3, reply, got, reply.byteLength - got, null);
    if (part === 0) throw new Error("ask.mjs: the channel closed");
    got += part;
  }
  if (round >= warmUp) lines.push(((performance.now() - started) * 1000).toFixed(3));
}
process.stdout.write(`${lines.join("\n")}\n`);
