// `pnpm bench`: samkit side by side with libsam, PM2, a naive Node supervisor and a bare `node`
// start, in one alternating run; writes BENCHMARKS.md at the root, the chart and the raw samples.
//   pnpm bench                     the full run (about 15 minutes)
//   pnpm bench --quick             a smoke run of the harness (few samples; numbers mean nothing)
//   pnpm bench --only "samkit fork,libsam"   some subjects only
//   pnpm bench data-store          the file store against the memory store (bench/results/data-store.md)
//   pnpm bench --report            BENCHMARKS.md and the chart again from bench/results/side-by-side.json, without running
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import * as dataStore from "./data-store.mjs";
import { renderChart } from "./report/render-chart.mjs";
import { renderMarkdown } from "./report/render-markdown.mjs";
import { run } from "./side-by-side.mjs";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { quick: { type: "boolean", default: false }, only: { type: "string" }, report: { type: "boolean", default: false } } });
const root = new URL("../", import.meta.url);

// How to read the tables: what each subject's number includes. No figures of this run here (they all come
// from the results); the one figure from an earlier run says which run and host it comes from.
const readingNotes = [
  "### Reading the numbers",
  [
    "- **Hang, next instance.** The hung instance is in a busy loop with SIGTERM at its default disposition, so the warning ends it and the next instance runs after the warning plus a restart. With warm standby the spare starts 200 ms after an instance registers and needs a Node start-up to park: an instance that hangs within about 300 ms of its start (T = 50 ms here) has no parked spare yet, and its restart is a cold one.",
    "- **Hang, samkit fork.** The supervisor runs 5 nice steps ahead of its instances where it may (here: the bench runs as root), and the instance keeps the priority it was started with. At the same priority the supervisor's deadline timer, which often fires on the CPU where the hung instance spins, waited out the rest of the instance's time slice: a median 2.4 ms late at T = 200 ms in the last full run without the raise (2026-12-02, on an Intel Xeon host; commit 75fe1a9's BENCHMARKS.md has the run with it on that host).",
    "- **Hang, samkit native.** libsam makes every decision, but `sam-agent` gives libsam's server loop a timerfd in place of `poll()`'s time-out, which Linux lets expire up to 0.1 % late (a millisecond at T = 1 s): libsam's own row keeps that slack, so at long intervals samkit native can warn before libsam does. Its threads also ask for a short time slice, so a heartbeat's relay is not kept waiting behind the spinning instance on its CPU.",
    "- **Crash.** Every subject's instance runs 600 ms, then exits with code 1; the sample is from that exit to the next instance running (its `register()` returned; PM2's and bare-node's: the app's first statement).",
    "- **Crash, without standby.** A restart of a Node program is a Node start-up: the bare-node row is that floor with an empty script. samkit's instance also resolves and loads `@samkit/core` and the backend (the start floor's two tiny packages show what two packages cost before their code), loads Node's `net` and does the `register()` handshake, and its process is started while the crashed one is still tearing down (the start floor has that case too); the naive supervisor's app loads nothing. libsam forks an already running C process, which no Node supervisor can do: that is what the warm standby is for.",
    "- **Crash, two readings of \"a bare node start\".** The strict row compares with bare-node: a spawn with no crash before it and no process to wait for. The re-spawn row compares with naive-node, which is how the issue's 62 ms anchor for a \"bare Node re-spawn\" was measured (peers.md: a naive supervisor's crash → exit event → fork → first line). Both are judged round by round; neither replaces the other.",
    "- **Crash, with standby.** The crashing instance gives notice of its exit from its `exit` event, and the supervisor promotes the parked spare, but the spare's `register()` returns only once the crashed process is gone: until then it still holds its descriptors (a listening port), as libsam's old child does until it is reaped. So the sample holds a Node process's death (Node's tear-down and the kernel freeing its memory: the death floor below, against a C process's) and two process wake-ups (the supervisor's, the spare's), which on this virtual machine cost about as much as libsam's whole fork. The spare has run the code of its promotion once while parked, so its resume after the welcome is only that wake-up and a socket for its channel. The issue gives its 3 ms as \"within 10 × libsam's fork\", from peers.md's 0.34 ms for libsam on another host: the targets show both readings, the 3 ms and 10 × libsam's restart in the same run (judged round by round); neither replaces the other.",
    "- **Data store, floors.** The round-trip floor has a Node instance doing the cheapest thing Node can (a blocking write and read on its descriptor) against a supervisor doing nothing but answer: against a C supervisor that is near libsam, against a Node one (an event loop, as backend-fork's supervisor is) it is above libsam's whole round trip. This virtual machine's idle CPUs halt and are slow to wake, which costs a Node event loop more than a C `poll()` loop. It is the floor of a store that waits for its supervisor, which samkit's no longer does (next note).",
    "- **Heartbeat cost.** `sam_hc_send()` is a `write(2)` per call, and 100,000 calls in a row fill libsam's pipe, so its cost includes waiting for its supervisor. samkit's `hcSend()` does not queue a heartbeat while one is still unsent, so a tight loop costs a check per call; one heartbeat per event-loop turn is a `write(2)` (see the rate table for what the supervisor then handles).",
    "- **Data store.** The sample is the call as the app makes it: `sam_data_store()` for libsam, `await sam.dataStore()` for samkit. libsam's is a round trip: the bytes down a pipe, a turn of its server's `poll()` loop, the reply. samkit's (both backends, with no `DataStore` plugin) is not: the instance writes the data into a data file its supervisor holds (two `pwrite`s: the data, then the header that names it), sends a 5-byte notice and returns; the supervisor reads the file once the instance is gone, and backend-native's relay passes the data on to libsam's `sam_data_store()` in the background. The guarantee is libsam's: once the call has returned, the next instance gets the data however this one ends (the tests SIGKILL instances, and a relay, right after or in the middle of stores). With a `DataStore` plugin (`@samkit/store-file`) backend-fork still makes the round trip, since the data must be saved before the app goes on.",
    "- **Quorum.** Measured from the moment an independent observer in the bench process (`@samkit/quorum-corosync`) sees quorum return; a plain C libquorum client sees it up to a few milliseconds earlier, so libsam's values can be negative. Compare the subjects with each other.",
    "- **NODE_EXTRA_CA_CERTS.** Where a machine sets it (machines behind a TLS-inspecting proxy set it to the system's CA bundle), Node 20 reads and parses the whole bundle with OpenSSL 3 at every start, before a script's first statement, whether or not the program uses TLS (nodejs/node#40524). Every Node start of the run pays it alike, the bare-node row's too, so a ratio to a Node start is smaller with it than without: where it is set, the crash scenario runs a second time without it (its own table and target rows), and the start floor has a row without it that shows what it costs here. A warm standby's restart does not start Node, so it does not pay it.",
    "- **This machine** is a 2-core virtual machine: creating processes and waking a sleeping one cost several times what they do on bare metal, for every subject alike (peers.md measured `node -e 0` at 58 ms elsewhere; bare-node here is in the table).",
  ].join("\n"),
];

if (positionals.includes("data-store")) {
  const result = await dataStore.run();
  const text = [
    `# ${result.title}`,
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; ${result.samples} samples per cell.`,
    "",
    result.table,
    "",
  ].join("\n");
  writeFileSync(new URL("./results/data-store.md", import.meta.url), text);
  process.stdout.write(`${text}\n`);
} else {
  const only = values.only ? values.only.split(",").map((name) => name.trim()) : [];
  const saved = new URL("./results/side-by-side.json", import.meta.url);
  const results = values.report ? JSON.parse(readFileSync(saved, "utf8")) : await run({ quick: values.quick, only });
  // A quick or partial run must not overwrite the committed report.
  const suffix = values.quick || only.length > 0 ? ".partial" : "";
  if (!values.report) writeFileSync(new URL(`./results/side-by-side${suffix}.json`, import.meta.url), `${JSON.stringify(results, null, 1)}\n`);
  const panels = ["crash", "crash-without-extra-ca-certs", "hang-warn-200", "hang-next-200", "data-store-1k", "heartbeat-cost", "quorum"]
    .map((id) => results.latency[id])
    .filter(Boolean)
    .map((entry) => ({
      title: entry.title,
      unit: entry.unit,
      scale: entry.id.startsWith("hang-warn") ? "linear" : "log",
      series: Object.entries(entry.series).map(([name, samples]) => ({ name, samples: entry.id.startsWith("hang-warn") ? samples : samples.filter((value) => value > 0) })),
    }));
  const chartName = `latency${suffix}.svg`;
  writeFileSync(new URL(`./results/${chartName}`, import.meta.url), renderChart(panels, { title: "samkit side by side: latency distributions", subtitle: `${results.date.slice(0, 10)}, ${results.machine.cpus} × ${results.machine.model}, Node ${results.machine.node}` }));
  const markdown = renderMarkdown(results, { chartPath: `bench/results/${chartName}`, notes: readingNotes });
  writeFileSync(new URL(`BENCHMARKS${suffix}.md`, root), markdown);
  process.stdout.write(`${markdown}\n`);
  // PM2's client and stray handles must not keep the bench alive.
  process.exit(0);
}
