// BENCHMARKS.md from one side-by-side run (side-by-side.mjs): the tables and values that
// template.md places, among its words. Numbers only come from `results`; nothing here is typed in by hand.
import { readFileSync } from "node:fs";
import { summarize } from "../statistics.mjs";

const reference = "libsam";

function format(value, unit) {
  if (value === undefined || Number.isNaN(value)) return "n/a";
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

// A ratio to a base at or below zero (libsam's quorum samples can be negative) says nothing.
const ratio = (value, base) => (base === undefined || value === undefined || base <= 0 ? "n/a" : `${(value / base).toFixed(2)} ×`);
const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const statsOf = (samples) => (samples && samples.length > 0 ? summarize(samples) : undefined);

function latencyTable(entry) {
  const base = statsOf(entry.series[reference])?.median;
  const rows = Object.entries(entry.series).map(([name, samples]) => {
    const stats = statsOf(samples);
    return `| ${name} | ${stats?.count ?? 0} | ${format(stats?.median, entry.unit)} | ${format(stats?.p95, entry.unit)} | ${name === reference ? (base !== undefined && base > 0 ? "1.00 ×" : "n/a") : ratio(stats?.median, base)} |`;
  });
  return [`### ${entry.title}`, "", "| subject | n | median | p95 | median ÷ libsam |", "|---|---|---|---|---|", ...rows, ""].join("\n");
}

function medianOf(results, id, name) {
  return statsOf(results.latency[id]?.series[name]);
}

/**
 * The ratio of two subjects' medians round by round, and the median of those ratios with their
 * range. Both subjects' samples of one round were taken within a minute of each other, so a
 * machine that slows down or speeds up during the run (a shared virtual machine does) moves
 * both; medians pooled over the whole run compare different stretches of time instead.
 */
function pairedRatio(results, id, name, base) {
  const entry = results.latency[id];
  const rounds = entry?.rounds ?? (results.quick ? 1 : 4);
  const subject = entry?.series[name];
  const reference = entry?.series[base];
  if (!subject || !reference || subject.length % rounds !== 0 || reference.length % rounds !== 0) return undefined;
  const slice = (samples, round) => samples.slice((round * samples.length) / rounds, ((round + 1) * samples.length) / rounds);
  const ratios = Array.from({ length: rounds }, (_, round) => summarize(slice(subject, round)).median / summarize(slice(reference, round)).median);
  return { median: summarize(ratios).median, low: Math.min(...ratios), high: Math.max(...ratios) };
}

const pairedText = (paired) => (paired ? `round by round ${paired.median.toFixed(2)} × (${paired.low.toFixed(2)} to ${paired.high.toFixed(2)})` : "n/a");

/**
 * A target that is one subject's median in scenario `id` as a ratio to `base`'s, judged round by
 * round (pairedRatio) against `bound`. The row reads "<median> = <ratio> <base>; round by round …",
 * `baseText(base's median)` naming the base.
 */
function ratioTarget(results, check, { id, unit, what, name, base, bound, baseText }) {
  const subject = medianOf(results, id, name);
  const against = medianOf(results, id, base);
  const paired = pairedRatio(results, id, name, base);
  check(
    what,
    subject && against ? `${format(subject.median, unit)} = ${ratio(subject.median, against.median)} ${baseText(against.median)}; ${pairedText(paired)}` : "n/a",
    paired && paired.median <= bound,
  );
}

/** The highest rate with no false time-out, of those tried. */
function keptUpWith(runs) {
  return (runs ?? []).filter((run) => !run.failed && run.falseTimeouts === 0).reduce((best, run) => Math.max(best, run.rate), 0);
}

function footprint(results, name, key) {
  const runs = results.memory[name]?.[key];
  if (!runs || runs.length === 0) return undefined;
  return { rss: summarize(runs.map((run) => run.rssBytes)).median, cpu: summarize(runs.map((run) => run.cpuPercent)).median };
}

/** A floor's median (floors.mjs), or undefined when it did not run. */
function floorMedian(results, id, variant) {
  return statsOf(results.floors?.[id]?.series[variant])?.median;
}

/** "; floor: …" after a target's measurement, where floors.mjs measured one for it. */
function floorNote(text) {
  return text ? `; floor: ${text}` : "";
}

/** The crash targets for one crash scenario (`id`), `label` naming its environment in each row. */
function crashTargets(results, id, label, check) {
  const standbyBound = 3;
  const standby = medianOf(results, id, "samkit fork + standby");
  const libsamCrash = medianOf(results, id, reference);
  const death = floorMedian(results, "floor-death", "Node process, process.exit() (from its exit event)");
  check(
    `crash → next instance with warm standby${label}: at most ${standbyBound} ms (median)`,
    standby ? `${format(standby.median, "ms")} (libsam ${format(libsamCrash?.median, "ms")})${floorNote(death && `${format(death, "ms")}, a Node process's exit event to its descriptors closed`)}` : "n/a",
    standby && standby.median <= standbyBound,
  );
  // A target that is the ratio of two subjects' restarts in this scenario; `target(bound)` words it.
  const crashRatioTarget = (standbyWords, target, name, base, bound, baseNote = "") =>
    ratioTarget(results, check, { id, unit: "ms", what: `crash → next instance ${standbyWords}${label}: ${target(bound)}`, name, base, bound, baseText: (median) => `${format(median, "ms")}${baseNote}` });
  // The 3 ms above, read as a ratio to libsam's restart in the same run, judged round by round
  // like the other ratios. Both are shown, neither replaces the other.
  crashRatioTarget("with warm standby", (bound) => `within ${bound} × libsam's restart in the same run`, "samkit fork + standby", reference, 10, " (libsam)");
  crashRatioTarget("without standby", (bound) => `at most ${bound} × a bare \`node\` start`, "samkit fork", "bare-node", 1.1);
  // "A bare node start" read strictly above (no crash, no predecessor), and here as a re-spawn
  // after a crash. Both are shown, neither replaces the other.
  crashRatioTarget("without standby", (bound) => `at most ${bound} × a bare Node re-spawn (naive-node: crash → exit event → fork → first line)`, "samkit fork", "naive-node", 1.1, " (naive-node)");
  crashRatioTarget("without standby", (bound) => `at most ${bound} × PM2`, "samkit fork", "pm2", 0.7);
}

/** One line per target: what it asks, what this run measured, and whether it holds. */
function targets(results) {
  const lines = [];
  const hangBound = { median: 2, p95: 10 };
  const check = (what, measured, holds) => lines.push(`| ${what} | ${measured} | ${holds === undefined ? "not measured" : holds ? "yes" : "**no**"} |`);
  for (const interval of [50, 200, 1000]) {
    for (const name of ["samkit fork", "samkit native"]) {
      const stats = medianOf(results, `hang-warn-${interval}`, name);
      check(`hang, T = ${interval} ms, ${name}: warning within ${hangBound.median} ms of the deadline (median) and ${hangBound.p95} ms (p95)`, stats ? `${format(stats.median, "ms")} / ${format(stats.p95, "ms")}` : "n/a", stats && stats.median <= hangBound.median && stats.p95 <= hangBound.p95);
    }
  }
  crashTargets(results, "crash", results.machine.environment?.extraCaCerts ? ", with this machine's NODE_EXTRA_CA_CERTS" : "", check);
  // Where the machine sets NODE_EXTRA_CA_CERTS, the same targets for a default Node start.
  if (results.latency["crash-without-extra-ca-certs"]) crashTargets(results, "crash-without-extra-ca-certs", ", without NODE_EXTRA_CA_CERTS", check);
  for (const name of ["samkit fork", "samkit native"]) {
    const cost = medianOf(results, "heartbeat-cost", name);
    check(`hcSend() at most 2 µs per call, ${name}`, cost ? format(cost.median, "µs") : "n/a", cost && cost.median <= 2);
    const rate = keptUpWith(results.rates[name]);
    check(`${name}: supervisor keeps up with 200,000 heartbeats/s, no false time-out`, results.rates[name] ? `${rate.toLocaleString("en")}/s of ${results.rates[name].map((run) => run.rate.toLocaleString("en")).join(", ")} tried` : "n/a", results.rates[name] ? rate >= 200_000 : undefined);
  }
  for (const name of ["samkit fork", "samkit native"]) {
    ratioTarget(results, check, { id: "data-store-1k", unit: "µs", what: `data store 1 KiB at most 2 × libsam's round trip, ${name} (a write to its data file, see the notes)`, name, base: reference, bound: 2, baseText: () => reference });
  }
  const agent = footprint(results, "samkit native", "idle");
  check("native backend: the agent's RSS under 5 MB", agent ? megabytes(agent.rss) : "n/a", agent && agent.rss < 5 * 1024 * 1024);
  const forkIdle = footprint(results, "samkit fork", "idle");
  const idle = footprint(results, "idle-node", "idle");
  check("fork backend: the supervisor's RSS within 1.2 × an idle `node`", forkIdle && idle ? `${megabytes(forkIdle.rss)} = ${ratio(forkIdle.rss, idle.rss)} ${megabytes(idle.rss)}` : "n/a", forkIdle && idle && forkIdle.rss <= 1.2 * idle.rss);
  return ["| target | measured (median, or median / p95) | holds |", "|---|---|---|", ...lines].join("\n");
}

function ratesTable(results) {
  const rates = [...new Set(Object.values(results.rates).flatMap((runs) => runs.map((run) => run.rate)))].sort((a, b) => a - b);
  const header = `| subject | ${rates.map((rate) => `${rate.toLocaleString("en")}/s`).join(" | ")} |`;
  const rows = Object.entries(results.rates).map(([name, runs]) => {
    const cells = rates.map((rate) => {
      const run = runs.find((candidate) => candidate.rate === rate);
      if (!run) return "";
      if (run.failed) return `failed: ${run.failed}`;
      return `${run.falseTimeouts} false, CPU ${run.supervisorCpuPercent.toFixed(0)} %, sent ${(run.sent / 1000).toFixed(0)} k`;
    });
    return `| ${name} | ${cells.join(" | ")} |`;
  });
  return [header, `|---|${rates.map(() => "---").join("|")}|`, ...rows].join("\n");
}

function memoryTable(results) {
  const base = footprint(results, reference, "idle");
  const rows = Object.keys(results.memory).map((name) => {
    const idle = footprint(results, name, "idle");
    const busy = footprint(results, name, "100/s");
    return `| ${name} | ${idle ? megabytes(idle.rss) : "n/a"} | ${idle ? ratio(idle.rss, base?.rss) : ""} | ${idle ? `${idle.cpu.toFixed(2)} %` : "n/a"} | ${busy ? megabytes(busy.rss) : "n/a"} | ${busy ? `${busy.cpu.toFixed(2)} %` : "n/a"} |`;
  });
  return ["| supervisor | RSS idle | ÷ libsam | CPU idle | RSS at 100 heartbeats/s | CPU at 100 heartbeats/s |", "|---|---|---|---|---|---|", ...rows].join("\n");
}

/**
 * The floors (floors.mjs): what this machine allows for three targets, with no SAM code in the
 * way, each variant's median and p95, and under each table what it bounds. Empty when none ran.
 */
function floorTables(results) {
  return Object.values(results.floors ?? {})
    .map((floor) =>
      [
        `### ${floor.title}`,
        "",
        "| variant | n | median | p95 |",
        "|---|---|---|---|",
        ...Object.entries(floor.series).map(([name, samples]) => {
          const stats = statsOf(samples);
          return `| ${name} | ${stats?.count ?? 0} | ${format(stats?.median, floor.unit)} | ${format(stats?.p95, floor.unit)} |`;
        }),
        "",
        `Bounds ${floor.bounds}.`,
      ].join("\n"),
    )
    .join("\n\n");
}

/** The body of `pnpm bench data-store`'s report (results/data-store.md), without its title. */
function dataStorePlugins(report) {
  return (report ?? "").replace(/^# .*\n+/, "").trim();
}

/** The size of NODE_EXTRA_CA_CERTS's bundle, as the run recorded it (lib/node-start-environment.mjs). */
function bundleSize(extraCaCerts) {
  return extraCaCerts?.bytes === undefined ? "not readable" : `${Math.round(extraCaCerts.bytes / 1024)} KiB`;
}

/**
 * `template` with its {{#if name}} … {{/if}} parts kept where `values[name]` has a value and its
 * {{name}} filled in. An {{#if}} and its {{/if}} on lines of their own hold whole lines.
 */
export function fillTemplate(template, values) {
  const known = (name) => {
    if (!(name in values)) throw new Error(`bench/report/template.md names {{${name}}}, which the renderer does not fill`);
    return values[name];
  };
  const present = (name) => {
    const value = known(name);
    return value !== undefined && value !== null && value !== false && value !== "";
  };
  return template
    .replace(/<!--[\s\S]*?-->\n?/g, "")
    .replace(/^\{\{#if (\w+)\}\}\n([\s\S]*?)^\{\{\/if\}\}\n/gm, (_, name, text) => (present(name) ? text : ""))
    .replace(/\{\{#if (\w+)\}\}(.*?)\{\{\/if\}\}/g, (_, name, text) => (present(name) ? text : ""))
    .replace(/\{\{(\w+)\}\}/g, (_, name) => String(known(name)))
    .replace(/\n+$/, "\n");
}

const template = readFileSync(new URL("./template.md", import.meta.url), "utf8");

/**
 * BENCHMARKS.md: template.md filled from `results`. `dataStoreReport` is the text of
 * results/data-store.md, if there is one.
 */
export function renderMarkdown(results, { chartPath, dataStoreReport }) {
  const { machine } = results;
  const environment = machine.environment ?? {};
  return fillTemplate(template, {
    date: results.date.slice(0, 10),
    cpus: machine.cpus,
    model: machine.model,
    memory: (machine.memory / 2 ** 30).toFixed(1),
    kernel: machine.kernel,
    node: machine.node,
    pm2: machine.pm2,
    quick: results.quick,
    extraCaCerts: Boolean(environment.extraCaCerts),
    extraCaCertsPath: environment.extraCaCerts?.path,
    extraCaCertsSize: bundleSize(environment.extraCaCerts),
    nodeOptions: environment.nodeOptions,
    chart: chartPath,
    targets: targets(results),
    latencyTables: Object.values(results.latency).map(latencyTable).join("\n").trimEnd(),
    ratesTable: ratesTable(results),
    memoryTable: memoryTable(results),
    floorTables: floorTables(results),
    dataStorePlugins: dataStorePlugins(dataStoreReport),
    failures: results.failures.map((failure) => `- ${failure.subject}, ${failure.scenario}: ${failure.message}`).join("\n"),
  });
}
