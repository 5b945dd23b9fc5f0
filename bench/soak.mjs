// The soak run (not in CI): `node bench/soak.mjs [seconds=3600] [interval=500]`.
// A supervised app hangs and crashes at random for the given time; the run counts restarts and
// false time-outs (a warning to an instance that had not hung: must be 0) and samples the
// supervisor's memory every 10 s (must stay flat). It writes bench/results/soak.md.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const seconds = Number(process.argv[2] ?? 3600);
const interval = Number(process.argv[3] ?? 500);
const app = fileURLToPath(new URL("./soak-app.mjs", import.meta.url));
const supervisor = spawn(process.execPath, [app, String(interval)], { stdio: ["ignore", "pipe", "inherit"] });
const hanging = new Set();
const counts = { instances: 0, hangs: 0, crashes: 0, warnings: 0, kills: 0, falseTimeouts: 0, restarts: 0, errors: 0 };
const falseTimeouts = [];
let partial = "";
supervisor.stdout.setEncoding("utf8").on("data", (text) => {
  partial += text;
  const lines = partial.split("\n");
  partial = lines.pop();
  for (const raw of lines) {
    if (!raw.startsWith("{")) continue;
    const record = JSON.parse(raw);
    if (record.from === "instance" && record.state === "started") counts.instances++;
    if (record.from === "instance" && record.state === "hanging") {
      counts.hangs++;
      hanging.add(record.instanceId);
    }
    if (record.from === "instance" && record.state === "crashing") counts.crashes++;
    if (record.from === "supervisor" && record.type === "spawn" && record.instanceId > 1) counts.restarts++;
    if (record.from === "supervisor" && record.type === "error") counts.errors++;
    // The run's own SIGTERM at the end is a stop request, not a time-out.
    if (record.from === "supervisor" && record.type === "signal" && record.reason !== "stop-request") {
      if (record.signal === "SIGKILL") counts.kills++;
      else {
        counts.warnings++;
        if (!hanging.has(record.instanceId)) {
          counts.falseTimeouts++;
          falseTimeouts.push(record);
        }
      }
    }
  }
});

const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${supervisor.pid}/status`, "utf8"))?.[1] ?? 0);
const samples = [];
const started = Date.now();
const sampler = setInterval(() => samples.push({ at: (Date.now() - started) / 1000, rssKiB: rss() }), 10_000);

await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
clearInterval(sampler);
samples.push({ at: (Date.now() - started) / 1000, rssKiB: rss() });
supervisor.kill("SIGTERM");
await new Promise((resolve) => supervisor.on("exit", resolve));

// Memory: first and last quarter compared (after the first minute of warm-up), and the slope of a least-squares line.
const settled = samples.filter((sample) => sample.at >= 60);
const mean = (list) => list.reduce((sum, sample) => sum + sample.rssKiB, 0) / list.length;
const quarter = Math.max(1, Math.floor(settled.length / 4));
const firstQuarter = mean(settled.slice(0, quarter));
const lastQuarter = mean(settled.slice(-quarter));
const meanAt = settled.reduce((sum, sample) => sum + sample.at, 0) / settled.length;
const meanRss = mean(settled);
const slope = settled.reduce((sum, sample) => sum + (sample.at - meanAt) * (sample.rssKiB - meanRss), 0) / settled.reduce((sum, sample) => sum + (sample.at - meanAt) ** 2, 0);
const report = [
  "# Soak run",
  "",
  `\`node bench/soak.mjs ${seconds} ${interval}\`, ${new Date(started).toISOString()} to ${new Date().toISOString()}, Node ${process.version}, backend-fork, interval ${interval} ms.`,
  "Each instance works 1 to 10 s (heartbeats every interval/4), then hangs in `for (;;) {}` or crashes (exit 1), half and half.",
  "",
  "| figure | value |",
  "|---|---|",
  `| instances started | ${counts.instances} |`,
  `| restarts | ${counts.restarts} |`,
  `| hangs / crashes | ${counts.hangs} / ${counts.crashes} |`,
  `| warn signals / SIGKILLs | ${counts.warnings} / ${counts.kills} |`,
  `| **false time-outs** (a warning to an instance that had not hung) | **${counts.falseTimeouts}** |`,
  `| supervisor error events | ${counts.errors} |`,
  `| supervisor RSS, first / last quarter after warm-up (mean) | ${(firstQuarter / 1024).toFixed(1)} MiB / ${(lastQuarter / 1024).toFixed(1)} MiB |`,
  `| supervisor RSS, min / max after warm-up | ${(Math.min(...settled.map((s) => s.rssKiB)) / 1024).toFixed(1)} MiB / ${(Math.max(...settled.map((s) => s.rssKiB)) / 1024).toFixed(1)} MiB |`,
  `| supervisor RSS trend (least squares) | ${(slope * 3600 / 1024).toFixed(2)} MiB per hour |`,
  "",
  falseTimeouts.length > 0 ? `False time-outs: ${falseTimeouts.map((record) => JSON.stringify(record)).join("; ")}` : "",
  "",
  "RSS samples (s: KiB): " + samples.map((sample) => `${sample.at.toFixed(0)}: ${sample.rssKiB}`).join(", "),
  "",
].join("\n");
writeFileSync(new URL("./results/soak.md", import.meta.url), report);
process.stdout.write(report);
process.exit(counts.falseTimeouts === 0 ? 0 : 1);
