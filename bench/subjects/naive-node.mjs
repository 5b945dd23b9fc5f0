// A naive Node supervisor, the kind people hand-roll (naive-node/supervisor.mjs): fork, re-fork
// on exit, JSON IPC heartbeats against a refreshed setTimeout deadline.
import { fileURLToPath } from "node:url";
import { countOf, loggedBy, valuesOf } from "../lib/event-log.mjs";
import { stopAllGroups } from "../lib/process-group.mjs";
import { measureProcess } from "../lib/process-stats.mjs";
import { crashSamples, hangSamples } from "../lib/restart-samples.mjs";
import { supervisedRun } from "../lib/supervised-run.mjs";
import { rateResult } from "../lib/rate-result.mjs";
import { crashAfter } from "../lib/crash-after.mjs";

export const name = "naive-node";
export const applies = new Set(["hang", "crash", "heartbeat", "rate", "data-store", "memory"]);

const supervisorScript = fileURLToPath(new URL("./naive-node/supervisor.mjs", import.meta.url));
const app = fileURLToPath(new URL("./naive-node/app.mjs", import.meta.url));

export async function setup() {}

export async function teardown() {
  await stopAllGroups();
}

function supervised(interval, appArguments, measure) {
  return supervisedRun(process.execPath, [supervisorScript, String(interval), app, ...appArguments.map(String)], measure);
}

export function hang({ interval, samples }) {
  return supervised(interval, ["hang", interval, samples], async ({ waitFor }) => {
    const events = await waitFor("hang samples", loggedBy("running", samples + 1), { timeout: samples * (3 * interval + 3000) + 5000 });
    // The supervisor records the SIGTERM it sends (signal 15) as the warning.
    return hangSamples(events, samples, (entry) => entry.event === "signal" && entry.value === 15);
  });
}

export function crash({ samples }) {
  return supervised(0, ["crash", samples, crashAfter], async ({ waitFor }) => {
    const events = await waitFor("crash samples", loggedBy("running", samples + 1), { timeout: samples * 2000 + 5000 });
    return crashSamples(events, samples);
  });
}

export function heartbeatCost({ batches, calls }) {
  // Long enough that the supervisor never times out while it works through the queue.
  return supervised(10_000, ["heartbeat-cost", batches, calls], async ({ waitFor }) => {
    const events = await waitFor("process.send batches", countOf("cost", batches), { timeout: batches * calls * 0.05 + 10_000 });
    return valuesOf(events, "cost");
  });
}

function paced({ rate, seconds, interval }) {
  return supervised(interval, ["pace", rate, seconds], async ({ supervisor, waitFor }) => {
    await waitFor("pacing to start", countOf("pacing", 1));
    const window = measureProcess(supervisor.child.pid);
    const events = await waitFor("pacing to end", countOf("paced", 1), { timeout: seconds * 1000 + 10_000 });
    return { events, usage: window.stop() };
  });
}

export async function heartbeatRate({ rate, seconds, interval }) {
  const { events, usage } = await paced({ rate, seconds, interval });
  return rateResult(events, usage);
}

export function dataStore({ size, samples }) {
  return supervised(10_000, ["data-store", size, samples], async ({ waitFor }) => {
    const events = await waitFor("data store samples", countOf("store", samples), { timeout: samples * 200 + 10_000 });
    return valuesOf(events, "store");
  });
}

export async function memory({ heartbeatsPerSecond, seconds }) {
  // An interval longer than the run: the deadline is armed but never fires, even when idle.
  const { usage } = await paced({ rate: heartbeatsPerSecond, seconds, interval: seconds * 1000 + 10_000 });
  return usage;
}
