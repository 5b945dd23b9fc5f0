// The instance under the naive supervisor; one mode per run, like libsam/reference.c:
//   hang <interval> <samples> | crash <samples> <run ms> | heartbeat-cost <batches> <calls>
//   | pace <rate> <seconds> | data-store <size> <samples>
// Its first statement is the "running" time; the log writer is loaded after it, on purpose.
const runningAt = Number(process.hrtime.bigint()) / 1e6;
const { appendEvent } = await import("../../lib/event-log-writer.mjs");
const { monotonicMilliseconds } = await import("../../lib/monotonic.mjs");
const { paceHeartbeats } = await import("../../lib/pace-heartbeats.mjs");

const id = Number(process.env.NAIVE_INSTANCE);
appendEvent("running", runningAt, id);
process.send("ready");

const [mode, ...numbers] = process.argv.slice(2);
const [first, second] = numbers.map(Number);
const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const sent = (message) => new Promise((resolve) => process.send(message, resolve));
// Ends the run: an exit with code 0 stops the supervisor, once everything sent has gone out.
const finish = async () => {
  await sent("stop");
  process.exit(0);
};

const modes = {
  async hang(interval, samples) {
    if (id > samples) return finish();
    for (let beat = 0; beat < 3; beat++) {
      process.send("hb");
      await sleep(interval / 4);
    }
    const lastHeartbeat = monotonicMilliseconds();
    // SIGTERM keeps its default disposition: the warning ends the instance.
    process.send("hb", () => {
      appendEvent("beat", lastHeartbeat, id);
      for (;;);
    });
  },

  async crash(samples, runFor) {
    if (id > samples) return finish();
    await sleep(runFor);
    appendEvent("crash", monotonicMilliseconds(), id);
    process.exit(1);
  },

  async "heartbeat-cost"(batches, calls) {
    for (let batch = 0; batch < batches; batch++) {
      const started = performance.now();
      for (let call = 0; call < calls; call++) process.send("hb");
      const microseconds = ((performance.now() - started) * 1000) / calls;
      appendEvent("cost", monotonicMilliseconds(), id, microseconds.toFixed(6));
      // Let the queued messages drain, so batches do not pile up on each other.
      await sent("hb");
    }
    return finish();
  },

  async pace(rate, seconds) {
    // Stay until the bench has measured the supervisor and stops the run.
    setInterval(() => {}, 1 << 30);
    // Killed after false time-outs: say so and wait like the paced instance.
    if (id > 1) return appendEvent("paced", monotonicMilliseconds(), id, 0);
    // A warning to a healthy instance is a false time-out: note it and carry on.
    process.on("SIGTERM", () => appendEvent("warn", monotonicMilliseconds(), id));
    appendEvent("pacing", monotonicMilliseconds(), id);
    const count = await paceHeartbeats({ rate, seconds, send: () => process.send("hb") });
    process.send("stop");
    appendEvent("paced", monotonicMilliseconds(), id, count);
  },

  async "data-store"(size, samples) {
    const data = Buffer.alloc(size, 7);
    const acknowledged = () => new Promise((resolve) => process.once("message", resolve));
    const roundTrip = async () => {
      const reply = acknowledged();
      process.send({ data: data.toString("base64") });
      await reply;
    };
    // Steady state, as for samkit's app: warm up the channel and both processes' JIT first.
    const { warmUpStores } = await import("../../lib/data-store-warm-up.mjs");
    for (let warmUp = 0, count = warmUpStores(size); warmUp < count; warmUp++) await roundTrip();
    for (let sample = 0; sample < samples; sample++) {
      data[0] = sample & 0xff;
      const started = performance.now();
      await roundTrip();
      appendEvent("store", monotonicMilliseconds(), id, ((performance.now() - started) * 1000).toFixed(3));
    }
    return finish();
  },
};

if (!modes[mode]) throw new Error(`naive-node app: unknown mode ${mode}`);
await modes[mode](first, second);
