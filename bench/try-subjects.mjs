// A quick pass of the reference subjects, for debugging them: each through each scenario it
// applies to, with few samples, printing medians. `node bench/try-subjects.mjs [subject...]`.
// Quorum runs last: it flips the shared test corosync's quorum.
import { cpus } from "node:os";
import * as bareNode from "./subjects/bare-node.mjs";
import * as idleNode from "./subjects/idle-node.mjs";
import * as libsam from "./subjects/libsam.mjs";
import * as naiveNode from "./subjects/naive-node.mjs";
import * as pm2 from "./subjects/pm2.mjs";
import { summarize } from "./statistics.mjs";

const subjects = [libsam, naiveNode, pm2, bareNode, idleNode];
const only = process.argv.slice(2);
const chosen = subjects.filter((subject) => only.length === 0 || only.includes(subject.name));

const median = (values) => summarize(values).median;
const milliseconds = (value) => `${value.toFixed(2)} ms`;
const microseconds = (value) => `${value.toFixed(2)} µs`;
const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const scenarios = [
  ["hang", "hang T=200 ms ×5", async (subject) => {
    const samples = await subject.hang({ interval: 200, samples: 5 });
    return `warn ${milliseconds(median(samples.map((sample) => sample.warn)))}, next ${milliseconds(median(samples.map((sample) => sample.next)))} (raw, after the last heartbeat)`;
  }],
  ["crash", "crash → next running ×10", async (subject) => milliseconds(median(await subject.crash({ samples: 10 })))],
  ["heartbeat", "heartbeat cost 5×100k", async (subject) => `${microseconds(median(await subject.heartbeatCost({ batches: 5, calls: 100_000 })))} per call`],
  ["rate", "1000 heartbeats/s, 2 s, T=200", async (subject) => {
    const { sent, falseTimeouts, supervisorCpuPercent } = await subject.heartbeatRate({ rate: 1000, seconds: 2, interval: 200 });
    return `sent ${sent}, false time-outs ${falseTimeouts}, supervisor CPU ${supervisorCpuPercent.toFixed(1)}%`;
  }],
  ["data-store", "data store 1 KiB ×50", async (subject) => `${microseconds(median(await subject.dataStore({ size: 1024, samples: 50 })))} per round trip`],
  ["data-store", "data store 1 MiB ×10", async (subject) => `${microseconds(median(await subject.dataStore({ size: 1024 * 1024, samples: 10 })))} per round trip`],
  ["memory", "memory idle, 2 s", async (subject) => {
    const { rssBytes, cpuPercent } = await subject.memory({ heartbeatsPerSecond: 0, seconds: 2 });
    return `RSS ${megabytes(rssBytes)}, CPU ${cpuPercent.toFixed(1)}%`;
  }],
  ["memory", "memory 1000 heartbeats/s, 2 s", async (subject) => {
    // Nothing beats in the idle baseline: the idle row says it all.
    if (subject.name === "idle-node") return undefined;
    const { rssBytes, cpuPercent } = await subject.memory({ heartbeatsPerSecond: 1000, seconds: 2 });
    return `RSS ${megabytes(rssBytes)}, CPU ${cpuPercent.toFixed(1)}%`;
  }],
  ["quorum", "quorate → sam_start() returns ×3", async (subject) => milliseconds(median(await subject.quorum({ samples: 3 })))],
];

async function stopEverything() {
  for (const subject of subjects) await subject.teardown().catch((error) => console.error(`${subject.name} teardown: ${error.message}`));
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopEverything().finally(() => process.exit(128 + (signal === "SIGINT" ? 2 : 15)));
  });
}

console.log(`${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}, PM2 ${pm2.version}; medians\n`);
let failures = 0;
try {
  for (const subject of chosen) await subject.setup();
  for (const [scenario, label, measure] of scenarios) {
    for (const subject of chosen) {
      if (!subject.applies.has(scenario)) continue;
      const started = Date.now();
      try {
        const text = await measure(subject);
        if (text === undefined) continue;
        console.log(`${subject.name.padEnd(11)} ${label.padEnd(34)} ${text}  [${((Date.now() - started) / 1000).toFixed(1)} s]`);
      } catch (error) {
        failures++;
        console.log(`${subject.name.padEnd(11)} ${label.padEnd(34)} FAILED: ${error.message}`);
      }
    }
  }
} finally {
  await stopEverything();
}
process.exitCode = failures > 0 ? 1 : 0;
