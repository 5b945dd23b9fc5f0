// What people hand-roll in Node: fork the app, fork it again when it exits, and a setTimeout
// deadline refreshed by every heartbeat that sends SIGTERM, then SIGKILL one interval later.
// Usage: node supervisor.mjs <interval ms, 0 = no deadline> <app> [app arguments...]
// The app says 'ready', 'hb', 'stop' (no deadline any more) or { data } (answered 'ack'). An exit
// with code 0 ends the supervisor too; anything else is a crash and gets a new instance.
import { fork } from "node:child_process";
import { appendEvent } from "../../lib/event-log-writer.mjs";
import { monotonicMilliseconds } from "../../lib/monotonic.mjs";

const [intervalText, app, ...appArguments] = process.argv.slice(2);
const interval = Number(intervalText);
let instanceId = 0;
// The latest data-store payload, kept like SAM's. Nothing reads it back here, but decoding and
// keeping it is part of what a round trip costs.
let storedData;

function start() {
  instanceId++;
  const id = instanceId;
  const child = fork(app, appArguments, { env: { ...process.env, NAIVE_INSTANCE: String(id) } });
  let deadline;
  let killTimer;

  const timedOut = () => {
    // The time the warning goes out, as the supervisor knows it.
    appendEvent("signal", monotonicMilliseconds(), id, 15);
    child.kill("SIGTERM");
    killTimer = setTimeout(() => {
      appendEvent("signal", monotonicMilliseconds(), id, 9);
      child.kill("SIGKILL");
    }, interval);
  };
  const refresh = () => {
    if (interval <= 0 || killTimer) return;
    if (deadline) deadline.refresh();
    else deadline = setTimeout(timedOut, interval);
  };

  child.on("message", (message) => {
    if (message === "hb" || message === "ready") refresh();
    else if (message === "stop") {
      clearTimeout(deadline);
      deadline = undefined;
    } else if (message && typeof message.data === "string") {
      storedData = Buffer.from(message.data, "base64");
      refresh();
      child.send("ack");
    }
  });
  child.on("exit", (code) => {
    clearTimeout(deadline);
    clearTimeout(killTimer);
    if (code === 0) process.exit(0);
    start();
  });
}

start();
