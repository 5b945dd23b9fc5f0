// One factory for the three samkit subjects (fork, fork with warm standby, native): the same app
// (samkit/app.mjs) under a different backend, measured the way the other subjects are.
import { appendFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { countOf, loggedBy, valuesOf } from "../../lib/event-log.mjs";
import { monotonicMilliseconds } from "../../lib/monotonic.mjs";
import { supervisedRun } from "../../lib/supervised-run.mjs";
import { measureProcess } from "../../lib/process-stats.mjs";
import { crashSamples, hangSamples } from "../../lib/restart-samples.mjs";
import { rateResult } from "../../lib/rate-result.mjs";
import { measureQuorumReturn } from "../libsam/quorum-return.mjs";
import { crashAfter } from "../../lib/crash-after.mjs";

const defaultApp = fileURLToPath(new URL("./app.mjs", import.meta.url));

/** The agent's events carry CLOCK_REALTIME milliseconds; this maps them onto CLOCK_MONOTONIC. */
function realtimeToMonotonic(time) {
  return time - (performance.timeOrigin + performance.now() - monotonicMilliseconds());
}

/** The native agent's events: JSON lines after a prefix on its standard output; signals go to the log. */
function logAgentSignal(line, log) {
  if (!line.startsWith("samkit-event ")) return;
  const event = JSON.parse(line.slice("samkit-event ".length));
  if (event.type !== "signal") return;
  const signal = event.signal === "SIGKILL" || event.signal === 9 ? 9 : 15;
  appendFileSync(log.path, `signal ${realtimeToMonotonic(event.time).toFixed(6)} ${event.instanceId ?? 0} ${signal}\n`);
}

/**
 * One run of the app in `args` mode under `backend`. The supervisor gets a stop request first
 * (it takes its instance and spare down), then SIGKILL to its group and to every instance it
 * logged: instances lead their own process groups.
 */
function samkitRun(backend, args, measure, { stdin = false, app = defaultApp, environment = {} } = {}) {
  return supervisedRun(process.execPath, [app, ...args.map(String)], measure, {
    stdin,
    environment: { ...environment, SAMKIT_BENCH_BACKEND: backend },
    onLine: logAgentSignal,
    beforeStop: async ({ supervisor }) => {
      if (supervisor.exit) return;
      supervisor.child.kill("SIGTERM");
      await Promise.race([supervisor.exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    },
    afterStop: ({ log }) => {
      for (const entry of log.events()) {
        if (entry.event !== "running" && entry.event !== "spare") continue;
        try {
          process.kill(entry.value, "SIGKILL");
        } catch {
          // Gone already.
        }
      }
    },
  });
}

/**
 * `app`: the app of another checkout (its own build of samkit: `pnpm bench ab`); `environment`:
 * variables for the supervisor and its instances.
 */
export function samkitSubject(backend, { app = defaultApp, environment = {} } = {}) {
  const run = (args, measure, options) => samkitRun(backend, args, measure, { app, environment, ...options });
  const isWarning = (entry) => entry.event === "signal" && entry.value === 15;
  /** The instance paces heartbeats; the supervisor's usage is measured over the pacing. */
  const paced = (rate, seconds, interval) =>
    run(["pace", rate, seconds, interval], async ({ supervisor, waitFor }) => {
      await waitFor("pacing to start", countOf("pacing", 1));
      const window = measureProcess(supervisor.child.pid);
      const events = await waitFor("pacing to end", countOf("paced", 1), { timeout: seconds * 1000 + 10_000 });
      return { events, usage: window.stop() };
    });
  return {
    applies: new Set(["hang", "crash", "heartbeat", "rate", "data-store", "memory", ...(backend === "fork-standby" ? [] : ["quorum"])]),

    async setup() {},
    async teardown() {},

    hang({ interval, samples }) {
      return run(["hang", interval, samples], async ({ waitFor }) => {
        const events = await waitFor("hang samples", loggedBy("running", samples + 1), { timeout: samples * (3 * interval + 3000) + 5000 });
        return hangSamples(events, samples, isWarning);
      });
    },

    crash({ samples }) {
      return run(["crash", samples, crashAfter], async ({ waitFor }) => {
        const events = await waitFor("crash samples", loggedBy("running", samples + 1), { timeout: samples * 2000 + 10_000 });
        return crashSamples(events, samples);
      });
    },

    heartbeatCost({ batches, calls }) {
      return run(["heartbeat-cost", batches, calls], async ({ waitFor }) => valuesOf(await waitFor("hcSend() batches", countOf("cost", batches), { timeout: 60_000 }), "cost"));
    },

    async heartbeatRate({ rate, seconds, interval }) {
      const { events, usage } = await paced(rate, seconds, interval);
      return rateResult(events, usage);
    },

    dataStore({ size, samples }) {
      return run(["data-store", size, samples], async ({ waitFor }) => valuesOf(await waitFor("dataStore() samples", countOf("store", samples), { timeout: samples * 500 + 10_000 }), "store"));
    },

    async memory({ heartbeatsPerSecond, seconds }) {
      // An interval longer than the run: the deadline is armed but never fires, even when idle.
      return (await paced(heartbeatsPerSecond, seconds, seconds * 1000 + 10_000)).usage;
    },

    quorum({ samples }) {
      return measureQuorumReturn({ samples, run: (measure) => run(["quorum", samples], measure, { stdin: true }) });
    },
  };
}
