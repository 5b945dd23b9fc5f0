// samkit against what a user would pick instead, in one run on one machine: the libsam C
// reference, samkit's backends, a naive Node supervisor, PM2, and a bare `node` start. Subjects
// alternate: every scenario runs in rounds, each round gives every subject a few samples in a
// rotated order, so a slow minute of the machine lands on all of them alike.
import { cpus, release, totalmem } from "node:os";
import * as bareNode from "./subjects/bare-node.mjs";
import * as idleNode from "./subjects/idle-node.mjs";
import * as libsam from "./subjects/libsam.mjs";
import * as naiveNode from "./subjects/naive-node.mjs";
import * as pm2 from "./subjects/pm2.mjs";
import * as samkitFork from "./subjects/samkit-fork.mjs";
import * as samkitForkStandby from "./subjects/samkit-fork-standby.mjs";
import * as samkitNative from "./subjects/samkit-native.mjs";
import { measureFloors } from "./floors.mjs";
import { describeNodeStartEnvironment, withoutExtraCaCerts } from "./lib/node-start-environment.mjs";

export const subjects = [libsam, samkitFork, samkitForkStandby, samkitNative, naiveNode, pm2, bareNode, idleNode];

/**
 * The scenarios, in the order of issue 8. `metric` pulls one number out of each sample;
 * `collect(subject, samples)` gathers that many samples from one subject.
 */
function scenarios({ rounds, perRound, extraCaCerts }) {
  const hang = (interval) => [
    { id: `hang-warn-${interval}`, group: "hang", title: `Hang: last heartbeat → warn signal, minus the interval (T = ${interval} ms)`, unit: "ms", excessOf: interval },
    { id: `hang-next-${interval}`, group: "hang", title: `Hang: last heartbeat → next instance running, minus the interval (T = ${interval} ms)`, unit: "ms", excessOf: interval },
  ];
  const crash = {
    outputs: [{ id: "crash", group: "crash", title: "Crash → next instance running", unit: "ms" }],
    applies: "crash",
    collect: async (subject, samples) => [await subject.crash({ samples })],
    samples: perRound,
    // Twice the rounds: its targets are ratios judged round by round, and a round's median of 5
    // restarts moves with the machine by more than the 10 % a target leaves.
    rounds: rounds * 2,
  };
  return [
    ...[50, 200, 1000].map((interval) => ({
      outputs: hang(interval),
      applies: "hang",
      collect: async (subject, samples) => {
        const raw = await subject.hang({ interval, samples });
        return [raw.map((sample) => sample.warn - interval), raw.map((sample) => sample.next - interval)];
      },
      samples: perRound,
    })),
    crash,
    // Where this machine sets NODE_EXTRA_CA_CERTS, the crash scenario again without it: every Node
    // start here parses the CA bundle first (node-start-environment.mjs), which a default Node
    // start does not, and the cold targets are ratios to a Node start.
    ...(extraCaCerts
      ? [
          {
            ...crash,
            outputs: [{ id: "crash-without-extra-ca-certs", group: "crash", title: "Crash → next instance running, without NODE_EXTRA_CA_CERTS (a default Node start)", unit: "ms" }],
            collect: (subject, samples) => withoutExtraCaCerts(() => crash.collect(subject, samples)),
          },
        ]
      : []),
    {
      outputs: [{ id: "heartbeat-cost", group: "heartbeat", title: "Heartbeat cost in the instance (per call, batches of 100,000)", unit: "µs" }],
      applies: "heartbeat",
      collect: async (subject, samples) => [await subject.heartbeatCost({ batches: samples, calls: 100_000 })],
      samples: perRound,
    },
    {
      outputs: [
        { id: "data-store-1k", group: "data-store", title: "Data store, 1 KiB (libsam: a round trip; samkit: its data file)", unit: "µs" },
      ],
      applies: "data-store",
      collect: async (subject, samples) => [await subject.dataStore({ size: 1024, samples })],
      samples: perRound * 5,
    },
    {
      outputs: [{ id: "data-store-1m", group: "data-store", title: "Data store, 1 MiB (libsam: a round trip; samkit: its data file)", unit: "µs" }],
      applies: "data-store",
      collect: async (subject, samples) => [await subject.dataStore({ size: 1024 * 1024, samples })],
      samples: perRound,
    },
  ].map((scenario) => ({ rounds, ...scenario }));
}

/** Rotates the subjects by `round`, so no subject always runs first (or right after another). */
function rotated(list, round) {
  const shift = round % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

function log(text) {
  process.stderr.write(`[bench] ${text}\n`);
}

async function alternate(scenario, chosen, results) {
  const taking = chosen.filter((subject) => subject.applies.has(scenario.applies));
  for (const output of scenario.outputs) results.latency[output.id] ??= { ...output, rounds: scenario.rounds, series: {} };
  for (let round = 0; round < scenario.rounds; round++) {
    for (const subject of rotated(taking, round)) {
      const started = Date.now();
      try {
        const columns = await scenario.collect(subject, scenario.samples);
        scenario.outputs.forEach((output, index) => {
          (results.latency[output.id].series[subject.name] ??= []).push(...columns[index]);
        });
        log(`${scenario.outputs[0].id} round ${round + 1}/${scenario.rounds}: ${subject.name} (${Date.now() - started} ms)`);
      } catch (error) {
        results.failures.push({ scenario: scenario.outputs[0].id, subject: subject.name, message: String(error?.message ?? error).split("\n")[0] });
        log(`${scenario.outputs[0].id}: ${subject.name} failed: ${String(error?.message ?? error).split("\n")[0]}`);
      }
    }
  }
}

/** The highest paced heartbeat rate each supervisor keeps up with (no false time-out), of `rates`. */
async function heartbeatRates(chosen, results, { rates, seconds, interval }) {
  for (const subject of chosen.filter((candidate) => candidate.applies.has("rate"))) {
    const runs = [];
    for (const rate of rates) {
      try {
        const run = await subject.heartbeatRate({ rate, seconds, interval });
        runs.push({ rate, ...run });
        log(`heartbeat rate ${rate}/s: ${subject.name}: ${run.falseTimeouts} false time-outs, supervisor CPU ${run.supervisorCpuPercent.toFixed(0)} %`);
      } catch (error) {
        runs.push({ rate, failed: String(error?.message ?? error).split("\n")[0] });
      }
    }
    results.rates[subject.name] = runs;
  }
}

/** Supervisor RSS and CPU, idle and with heartbeats; `runs` runs each, alternating subjects. */
async function footprints(chosen, results, { runs, seconds }) {
  const taking = chosen.filter((subject) => subject.applies.has("memory"));
  for (const heartbeatsPerSecond of [0, 100]) {
    const key = heartbeatsPerSecond === 0 ? "idle" : `${heartbeatsPerSecond}/s`;
    for (let round = 0; round < runs; round++) {
      for (const subject of rotated(taking, round)) {
        if (heartbeatsPerSecond > 0 && subject.name === "idle-node") continue;
        try {
          const usage = await subject.memory({ heartbeatsPerSecond, seconds });
          ((results.memory[subject.name] ??= {})[key] ??= []).push(usage);
        } catch (error) {
          results.failures.push({ scenario: `memory ${key}`, subject: subject.name, message: String(error?.message ?? error).split("\n")[0] });
        }
      }
      log(`memory ${key} round ${round + 1}/${runs}`);
    }
  }
}

/**
 * Runs everything. `quick` is a smoke run (few samples) for checking the harness, not for numbers.
 * `only` limits the subjects by name.
 */
export async function run({ quick = false, only = [] } = {}) {
  const chosen = subjects.filter((subject) => only.length === 0 || only.includes(subject.name));
  // Once per run: the scenarios and the floors follow what the record says.
  const environment = describeNodeStartEnvironment();
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", memory: totalmem(), kernel: release(), node: process.version, pm2: pm2.version, environment },
    quick,
    latency: {},
    rates: {},
    memory: {},
    floors: {},
    failures: [],
  };
  const ready = [];
  for (const subject of chosen) {
    try {
      await subject.setup();
      ready.push(subject);
    } catch (error) {
      results.failures.push({ scenario: "setup", subject: subject.name, message: String(error?.message ?? error).split("\n")[0] });
    }
  }
  try {
    const plan = quick ? { rounds: 1, perRound: 3 } : { rounds: 4, perRound: 5 };
    for (const scenario of scenarios({ ...plan, extraCaCerts: environment.extraCaCerts })) await alternate(scenario, ready, results);
    await heartbeatRates(ready, results, quick ? { rates: [50_000], seconds: 1, interval: 100 } : { rates: [50_000, 100_000, 200_000, 400_000], seconds: 3, interval: 100 });
    await footprints(ready, results, quick ? { runs: 1, seconds: 1 } : { runs: 2, seconds: 3 });
    // Subject-free, so --only does not leave them out.
    try {
      results.floors = await measureFloors({ ...(quick ? { rounds: 1, samples: 2, roundTrips: 50 } : { rounds: 4, samples: 5, roundTrips: 300 }), extraCaCerts: environment.extraCaCerts, log });
    } catch (error) {
      results.failures.push({ scenario: "floors", subject: "none", message: String(error?.message ?? error).split("\n")[0] });
    }
    // Last: it takes the shared test corosync's quorum away and back.
    await alternate(
      {
        outputs: [{ id: "quorum", group: "quorum", title: "Quorum returns → start() returns (real corosync)", unit: "ms" }],
        applies: "quorum",
        collect: async (subject, samples) => [await subject.quorum({ samples })],
        samples: quick ? 2 : 5,
        rounds: quick ? 1 : 4,
      },
      ready,
      results,
    );
  } finally {
    for (const subject of ready) await subject.teardown().catch(() => {});
  }
  return results;
}
