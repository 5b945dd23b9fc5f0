// The "bare node start" baseline's app: its first statement is the time it runs; the log writer
// is loaded after it, on purpose. Then it exits.
const runningAt = Number(process.hrtime.bigint()) / 1e6;
const { appendEvent } = await import("../../lib/event-log-writer.mjs");

appendEvent("running", runningAt, Number(process.env.BARE_INSTANCE));
