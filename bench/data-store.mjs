// The cost of storing SAM data: the file store against the in-memory store, at 1 KiB and 1 MiB.
//   1. store.save() alone, in this process;
//   2. sam.dataStore() from an instance, a round trip through the fork backend's supervisor.
// Samples of the two stores alternate, so both see the same machine state.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { memoryDataStore } from "@samkit/core";
import { fileStore } from "@samkit/store-file";
import { formatDuration, summarize } from "./statistics.mjs";

const sizes = [["1 KiB", 1024], ["1 MiB", 1024 * 1024]];

async function saveCost(samples) {
  const folder = mkdtempSync(join(tmpdir(), "samkit-bench-"));
  const stores = { memory: memoryDataStore(), file: fileStore({ path: join(folder, "sam.data") }) };
  const rows = [];
  try {
    for (const [label, size] of sizes) {
      const data = new Uint8Array(size).fill(7);
      const times = { memory: [], file: [] };
      for (let index = 0; index < samples; index++) {
        for (const name of ["memory", "file"]) {
          data[0] = index & 0xff;
          const started = performance.now();
          await stores[name].save(data);
          times[name].push((performance.now() - started) * 1000);
        }
      }
      rows.push({ what: "store.save()", size: label, memory: summarize(times.memory), file: summarize(times.file) });
    }
  } finally {
    await stores.file.close();
    rmSync(folder, { recursive: true, force: true });
  }
  return rows;
}

function roundTripCost(store, samples) {
  const folder = mkdtempSync(join(tmpdir(), "samkit-bench-"));
  try {
    const script = fileURLToPath(new URL("./data-store-instance.mjs", import.meta.url));
    const result = spawnSync(process.execPath, [script, store, join(folder, "sam.data"), String(samples)], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${script} ${store} failed (${result.status}):\n${result.stderr}`);
    return JSON.parse(result.stdout.trim().split("\n").at(-1));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export async function run({ samples = 200 } = {}) {
  const rows = await saveCost(samples);
  // Supervisors alternate too: memory, file, memory, file; each run takes its half of the samples.
  const runs = { memory: [], file: [] };
  for (let round = 0; round < 2; round++) {
    for (const store of ["memory", "file"]) runs[store].push(roundTripCost(store, samples / 2));
  }
  for (const [label] of sizes) {
    const merged = (store) => runs[store].flatMap((result) => result[label]);
    rows.push({ what: "sam.dataStore() round trip", size: label, memory: summarize(merged("memory")), file: summarize(merged("file")) });
  }
  const lines = [
    "| what | size | memory median | memory p95 | file median | file p95 | file / memory (median) |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((row) =>
      `| ${row.what} | ${row.size} | ${formatDuration(row.memory.median)} | ${formatDuration(row.memory.p95)} | ${formatDuration(row.file.median)} | ${formatDuration(row.file.p95)} | ${(row.file.median / row.memory.median).toFixed(1)} × |`,
    ),
  ];
  return { title: "Data store: file against memory", samples, table: lines.join("\n") };
}
