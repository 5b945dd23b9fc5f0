// Supervised by the fork backend with the given store; the instance times sam.dataStore() and
// prints the samples (microseconds) as one JSON line. Arguments: memory|file <path> <samples>.
import { performance } from "node:perf_hooks";
import { createSam } from "@samkit/core";
import { forkBackend } from "@samkit/backend-fork";
import { fileStore } from "@samkit/store-file";

const [storeName, path, samplesText] = process.argv.slice(2);
const samples = Number(samplesText);
const sam = createSam({ backend: forkBackend() });
await sam.initialize({ interval: 0, recovery: "quit", store: storeName === "file" ? fileStore({ path }) : undefined });
await sam.register();
const results = {};
for (const [label, size] of [["1 KiB", 1024], ["1 MiB", 1024 * 1024]]) {
  const data = new Uint8Array(size).fill(3);
  const times = [];
  for (let index = 0; index < samples + 5; index++) {
    data[0] = index & 0xff;
    const started = performance.now();
    await sam.dataStore(data);
    // The first few warm up the channel and the JIT.
    if (index >= 5) times.push((performance.now() - started) * 1000);
  }
  results[label] = times;
}
process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0);
