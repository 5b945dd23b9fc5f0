// The app PM2 supervises (fork mode). PM2 restarts it on any exit and counts restarts in the
// environment it passes down (restart_time), so instance id = restart_time + 1.
//   crash <samples> <run ms>: exit(1) after running that long, until instance samples + 1, which stays;
//   pace <rate> <seconds>: process.send() messages at that rate (PM2 has no heartbeat; this is
//   the IPC traffic its daemon handles instead), then stays.
// Its first statement is the "running" time; the log writer is loaded after it, on purpose.
const runningAt = Number(process.hrtime.bigint()) / 1e6;
const { appendEvent } = await import("../../lib/event-log-writer.mjs");
const { monotonicMilliseconds } = await import("../../lib/monotonic.mjs");
const { paceHeartbeats } = await import("../../lib/pace-heartbeats.mjs");

const id = Number(process.env.restart_time) + 1;
appendEvent("running", runningAt, id);

const [mode, ...numbers] = process.argv.slice(2);
const [first, second] = numbers.map(Number);
const stay = () => setInterval(() => {}, 1 << 30);

if (mode === "crash") {
  if (id > first) stay();
  else {
    await new Promise((resolve) => setTimeout(resolve, second));
    appendEvent("crash", monotonicMilliseconds(), id);
    process.exit(1);
  }
} else if (mode === "pace") {
  stay();
  appendEvent("pacing", monotonicMilliseconds(), id);
  const sent = await paceHeartbeats({ rate: first, seconds: second, send: () => process.send("hb") });
  appendEvent("paced", monotonicMilliseconds(), id, sent);
} else {
  throw new Error(`pm2 app: unknown mode ${mode}`);
}
