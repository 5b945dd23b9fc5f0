// `pnpm bench`: runs every benchmark and writes its table to bench/results/<name>.md.
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import * as dataStore from "./data-store.mjs";

const benchmarks = { "data-store": dataStore };
const only = process.argv.slice(2);
for (const [name, benchmark] of Object.entries(benchmarks)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const result = await benchmark.run();
  const text = [
    `# ${result.title}`,
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; ${result.samples} samples per cell.`,
    "",
    result.table,
    "",
  ].join("\n");
  writeFileSync(new URL(`./results/${name}.md`, import.meta.url), text);
  process.stdout.write(`${text}\n`);
}
