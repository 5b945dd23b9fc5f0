// PM2 in fork mode, through its own CLI from node_modules and a private PM2_HOME. "Running" is
// the first statement of the app, which PM2 loads through its ProcessContainerFork wrapper.
import { fileURLToPath } from "node:url";
import { countOf, createEventLog, loggedBy } from "../lib/event-log.mjs";
import { measureProcess } from "../lib/process-stats.mjs";
import { crashSamples } from "../lib/restart-samples.mjs";
import { killAllPm2, pm2Version, startPm2 } from "./pm2/pm2-daemon.mjs";
import { crashAfter } from "../lib/crash-after.mjs";

export const name = "pm2";
export const version = pm2Version;
export const applies = new Set(["crash", "memory"]);

const app = fileURLToPath(new URL("./pm2/app.mjs", import.meta.url));

export async function setup() {}

export async function teardown() {
  await killAllPm2();
}

/** One run: a private PM2 with the app in `args` mode, killed afterwards whatever happened. */
async function withPm2(args, measure) {
  const log = createEventLog();
  let daemon;
  try {
    daemon = await startPm2(app, args.map(String), log.environment);
    return await measure({ daemon, waitFor: log.waitFor });
  } finally {
    await daemon?.kill();
    log.remove();
  }
}

export function crash({ samples }) {
  return withPm2(["crash", samples, crashAfter], async ({ waitFor }) => {
    const events = await waitFor("crash samples", loggedBy("running", samples + 1), { timeout: samples * 2000 + 10_000 });
    return crashSamples(events, samples);
  });
}

export function memory({ heartbeatsPerSecond, seconds }) {
  return withPm2(["pace", heartbeatsPerSecond, seconds], async ({ daemon, waitFor }) => {
    await waitFor("pacing to start", countOf("pacing", 1));
    // The daemon ("PM2 God") is the supervisor; the app is a separate process.
    const window = measureProcess(daemon.daemonPid());
    await waitFor("pacing to end", countOf("paced", 1), { timeout: seconds * 1000 + 10_000 });
    return window.stop();
  });
}
