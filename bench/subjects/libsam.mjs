// The reference: corosync's own libsam, driven by subjects/libsam/reference.c. Its supervisor is
// the C parent left inside sam_register(); its instances are forks of it (no exec).
import { countOf, loggedBy, valuesOf } from "../lib/event-log.mjs";
import { stopAllGroups } from "../lib/process-group.mjs";
import { measureProcess } from "../lib/process-stats.mjs";
import { crashSamples, hangSamples } from "../lib/restart-samples.mjs";
import { supervisedRun } from "../lib/supervised-run.mjs";
import { buildReference } from "./libsam/build-reference.mjs";
import { measureQuorumReturn, releaseTestCorosync } from "./libsam/quorum-return.mjs";
import { rateResult } from "../lib/rate-result.mjs";
import { crashAfter } from "../lib/crash-after.mjs";

export const name = "libsam";
export const applies = new Set(["hang", "crash", "heartbeat", "rate", "data-store", "memory", "quorum"]);

let program;

export async function setup() {
  program = buildReference();
}

export async function teardown() {
  await stopAllGroups();
  await releaseTestCorosync();
}

function reference(mode, args, measure, options) {
  if (!program) throw new Error("libsam bench subject: call setup() first");
  return supervisedRun(program, [mode, ...args.map(String)], measure, options);
}

export function hang({ interval, samples }) {
  return reference("hang", [interval, samples], async ({ waitFor }) => {
    // Instance samples + 1 only registers and ends the run.
    const events = await waitFor("hang samples", loggedBy("running", samples + 1), { timeout: samples * (3 * interval + 2000) + 5000 });
    // The instance's SIGTERM handler records the warning.
    return hangSamples(events, samples, (entry) => entry.event === "warn");
  });
}

export function crash({ samples }) {
  return reference("crash", [samples, crashAfter], async ({ waitFor }) => {
    const events = await waitFor("crash samples", loggedBy("running", samples + 1), { timeout: samples * 1000 + 5000 });
    return crashSamples(events, samples);
  });
}

export function heartbeatCost({ batches, calls }) {
  return reference("heartbeat-cost", [batches, calls], async ({ waitFor }) => {
    const events = await waitFor("sam_hc_send batches", countOf("cost", batches), { timeout: batches * calls * 0.02 + 10_000 });
    return valuesOf(events, "cost");
  });
}

/** Heartbeats at `rate` for `seconds`; the supervisor's CPU is measured while they run. */
function paced({ rate, seconds, interval }) {
  return reference("pace", [rate, seconds, interval], async ({ supervisor, waitFor }) => {
    await waitFor("pacing to start", countOf("pacing", 1));
    const window = measureProcess(supervisor.child.pid);
    // Two false time-outs in a row get the instance killed; instance 2 then logs "paced 0".
    const events = await waitFor("pacing to end", countOf("paced", 1), { timeout: seconds * 1000 + 10_000 });
    const usage = window.stop();
    return { events, usage };
  }, { stdin: true });
}

export async function heartbeatRate({ rate, seconds, interval }) {
  const { events, usage } = await paced({ rate, seconds, interval });
  return rateResult(events, usage);
}

export function dataStore({ size, samples }) {
  return reference("data-store", [size, samples], async ({ waitFor }) => {
    const events = await waitFor("sam_data_store samples", countOf("store", samples), { timeout: samples * 100 + 10_000 });
    return valuesOf(events, "store");
  });
}

export async function memory({ heartbeatsPerSecond, seconds }) {
  // An interval longer than the run: the check is armed but never fires, even when idle.
  const { usage } = await paced({ rate: heartbeatsPerSecond, seconds, interval: seconds * 1000 + 10_000 });
  return usage;
}

export async function quorum({ samples }) {
  return measureQuorumReturn({ samples, run: (measure) => reference("quorum", [samples], measure, { stdin: true }) });
}
