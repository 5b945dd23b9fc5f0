// The samkit program under test: supervisor and instances are this one script, as with any
// samkit application. SAMKIT_BENCH_BACKEND picks fork, fork-standby or native; one mode per run,
// like the libsam reference (libsam/reference.c):
//   hang <interval> <samples> | crash <samples> <run ms> | heartbeat-cost <batches> <calls>
//   | pace <rate> <seconds> <interval> | data-store <size> <samples> | quorum <samples>
// Times are CLOCK_MONOTONIC milliseconds in the bench's event log (lib/event-log-writer.mjs).
// Only samkit is loaded before the instance is running, as in an application: the bench's own
// helpers are loaded after that moment is taken, like the other subjects' apps do.
import { createSam } from "@samkit/core";

const now = () => Number(process.hrtime.bigint()) / 1e6;
let appendEvent = () => {};
const backendName = process.env.SAMKIT_BENCH_BACKEND ?? "fork";
const [mode, ...numbers] = process.argv.slice(2);
const [first, second, third] = numbers.map(Number);

async function makeBackend() {
  if (backendName === "native") {
    const { nativeBackend } = await import("@samkit/backend-native");
    // The agent's events (each signal at the moment libsam sends it) go to standard output for the bench.
    return nativeBackend({ events: { fd: 1, prefix: "samkit-event " } });
  }
  const { forkBackend } = await import("@samkit/backend-fork");
  return forkBackend({
    standby: backendName === "fork-standby",
    // In the supervisor, right before it sends the signal.
    onEvent: (event) => {
      if (event.type === "signal") appendEvent("signal", now(), event.instanceId, event.signal === "SIGKILL" ? 9 : 15);
      if (event.type === "standby") appendEvent("spare", now(), 0, event.pid);
    },
  });
}

async function quorumSource() {
  const { corosyncQuorum } = await import("@samkit/quorum-corosync");
  return corosyncQuorum();
}

const backend = await makeBackend();
// The supervisor logs its signals (see onEvent): it loads the log writer now.
if (backend.role() === "supervisor") ({ appendEvent } = await import("../../lib/event-log-writer.mjs"));
const sam = createSam({ backend });
const interval = mode === "hang" ? first : mode === "pace" ? third : mode === "crash" ? 0 : 10_000;
await sam.initialize({ interval, recovery: "restart", ...(mode === "quorum" ? { quorum: await quorumSource() } : {}) });
const id = await sam.register();
const runningAt = now();
({ appendEvent } = await import("../../lib/event-log-writer.mjs"));
const { paceHeartbeats } = await import("../../lib/pace-heartbeats.mjs");
appendEvent("running", runningAt, id, process.pid);
if (process.env.BENCH_UPTIME) process.stderr.write(`instance ${id} running ${performance.now().toFixed(1)} ms after its start\n`);

const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));
// A warm spare starts 200 ms after register() and takes a core for its Node start-up: the steady
// state that the cost measurements are about begins once it is parked.
const settle = () => sleep(backendName === "fork-standby" ? 600 : 0);
// Ends the run: an instance that exits while stopped ends its supervisor with its exit code.
let started = false;
const finish = async () => {
  if (started) await sam.stop();
  process.exit(0);
};
const start = async () => {
  await sam.start();
  started = true;
};

const modes = {
  async hang(hangInterval, samples) {
    if (id > samples) return finish();
    await start();
    for (let beat = 0; beat < 3; beat++) {
      sam.hcSend();
      await sleep(hangInterval / 4);
    }
    const lastHeartbeat = now();
    sam.hcSend();
    appendEvent("beat", lastHeartbeat, id);
    // SIGTERM keeps its default disposition: the warning ends the instance.
    for (;;);
  },

  async crash(samples, runFor) {
    if (id > samples) return finish();
    await start();
    // Running a while first, as every subject's instance does (lib/crash-after.mjs).
    await sleep(runFor);
    appendEvent("crash", now(), id);
    process.exit(1);
  },

  async "heartbeat-cost"(batches, calls) {
    // Before start(): an instance that is not started is not timed while it waits.
    await settle();
    await start();
    for (let batch = 0; batch < batches; batch++) {
      const started = performance.now();
      for (let call = 0; call < calls; call++) sam.hcSend();
      const microseconds = ((performance.now() - started) * 1000) / calls;
      appendEvent("cost", now(), id, microseconds.toFixed(6));
      // Let the channel drain between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return finish();
  },

  async pace(rate, seconds) {
    // Stay until the bench has measured the supervisor and stops the run.
    setInterval(() => {}, 1 << 30);
    if (id > 1) return appendEvent("paced", now(), id, 0);
    // A warning to a healthy instance is a false time-out: note it and carry on.
    process.on("SIGTERM", () => appendEvent("warn", now(), id));
    // Before start(): an instance that is not started is not timed while it waits.
    await settle();
    await start();
    appendEvent("pacing", now(), id);
    const count = await paceHeartbeats({ rate, seconds, send: () => sam.hcSend() });
    await sam.stop();
    appendEvent("paced", now(), id, count);
  },

  async "data-store"(size, samples) {
    const data = new Uint8Array(size).fill(7);
    // Before start(): an instance that is not started is not timed while it waits.
    await settle();
    await start();
    // Steady state, as libsam's numbers are: warm up the channel and both processes' JIT first.
    const { warmUpStores } = await import("../../lib/data-store-warm-up.mjs");
    for (let warmUp = 0, count = warmUpStores(size); warmUp < count; warmUp++) await sam.dataStore(data);
    for (let sample = 0; sample < samples; sample++) {
      data[0] = sample & 0xff;
      const started = performance.now();
      await sam.dataStore(data);
      appendEvent("store", now(), id, ((performance.now() - started) * 1000).toFixed(3));
    }
    return finish();
  },

  async quorum(samples) {
    if (id > samples) return finish();
    // The bench says when: one byte on standard input once it has taken quorum away.
    const go = await new Promise((resolve) => {
      process.stdin.once("data", () => resolve(true));
      process.stdin.once("end", () => resolve(false));
    });
    process.stdin.pause();
    if (!go) return finish();
    appendEvent("waiting", now(), id);
    await start();
    appendEvent("started", now(), id);
    process.exit(1);
  },
};

if (!modes[mode]) throw new Error(`samkit bench app: unknown mode ${mode}`);
await modes[mode](first, second, third);
