// `pnpm bench`: samkit side by side with libsam, PM2, a naive Node supervisor and a bare `node`
// start, in one alternating run; writes BENCHMARKS.md at the root, the chart and the raw samples.
//   pnpm bench                     the full run (about 15 minutes)
//   pnpm bench --quick             a smoke run of the harness (few samples; numbers mean nothing)
//   pnpm bench --only "samkit fork,libsam"   some subjects only
//   pnpm bench data-store          the file store against the memory store (bench/results/data-store.md, then BENCHMARKS.md)
//   pnpm bench --report            BENCHMARKS.md and the chart again from bench/results/side-by-side.json, without running
//   pnpm bench ab --base <rev>     a quick A/B of this checkout against another revision (ab.mjs); --env NAME=VALUE for two settings
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { renderChart } from "./report/render-chart.mjs";
import { renderMarkdown } from "./report/render-markdown.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: "boolean", default: false }, only: { type: "string" }, report: { type: "boolean", default: false }, base: { type: "string" }, env: { type: "string" }, rounds: { type: "string" }, samples: { type: "string" } },
});
const root = new URL("../", import.meta.url);

const saved = new URL("./results/side-by-side.json", import.meta.url);
const dataStoreResults = new URL("./results/data-store.md", import.meta.url);

/**
 * BENCHMARKS.md and the chart from one side-by-side run, and the data store report if there is
 * one; `suffix` keeps a quick or partial run's files apart from the committed ones.
 */
function writeReport(results, suffix) {
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
  const dataStoreReport = existsSync(dataStoreResults) ? readFileSync(dataStoreResults, "utf8") : undefined;
  const markdown = renderMarkdown(results, { chartPath: `bench/results/${chartName}`, dataStoreReport });
  writeFileSync(new URL(`BENCHMARKS${suffix}.md`, root), markdown);
  return markdown;
}

// The runs load the packages (built first); --report only reads the saved results.
if (positionals.includes("ab")) {
  const { runAb, renderAb } = await import("./ab.mjs");
  const result = await runAb({
    base: values.base,
    env: values.env,
    rounds: values.rounds ? Number(values.rounds) : undefined,
    samples: values.samples ? Number(values.samples) : undefined,
    only: values.only ? values.only.split(",").map((name) => name.trim()) : [],
  });
  process.stdout.write(renderAb(result));
  process.exit(0);
} else if (positionals.includes("data-store")) {
  const dataStore = await import("./data-store.mjs");
  const result = await dataStore.run();
  const text = [
    `# ${result.title}`,
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; ${result.samples} samples per cell.`,
    "",
    result.table,
    "",
  ].join("\n");
  writeFileSync(dataStoreResults, text);
  process.stdout.write(`${text}\n`);
  // BENCHMARKS.md shows this report too, beside the committed side-by-side run.
  if (existsSync(saved)) writeReport(JSON.parse(readFileSync(saved, "utf8")), "");
} else {
  const only = values.only ? values.only.split(",").map((name) => name.trim()) : [];
  const results = values.report ? JSON.parse(readFileSync(saved, "utf8")) : await (await import("./side-by-side.mjs")).run({ quick: values.quick, only });
  // A quick or partial run must not overwrite the committed report.
  const suffix = values.quick || only.length > 0 ? ".partial" : "";
  if (!values.report) writeFileSync(new URL(`./results/side-by-side${suffix}.json`, import.meta.url), `${JSON.stringify(results, null, 1)}\n`);
  process.stdout.write(`${writeReport(results, suffix)}\n`);
  // PM2's client and stray handles must not keep the bench alive.
  process.exit(0);
}
