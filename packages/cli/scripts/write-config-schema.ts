/**
 * Writes samkit.config.schema.json from the option table (src/run-option-table.ts); part of the
 * build. In CI (CI=true) it writes nothing and fails when the committed file differs, so a stale
 * file cannot pass by being rewritten just before the tests read it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { configSchemaText } from "../src/config-schema.js";

const file = new URL("../samkit.config.schema.json", import.meta.url);
const text = configSchemaText();
let committed: string | undefined;
try {
  committed = readFileSync(file, "utf8");
} catch {
  committed = undefined;
}
if (committed !== text) {
  if (process.env.CI === "true") {
    process.stderr.write("samkit.config.schema.json differs from the option table: run pnpm build and commit the file\n");
    process.exit(1);
  }
  writeFileSync(file, text);
  process.stderr.write("samkit.config.schema.json: written from src/run-option-table.ts\n");
}
