/** The assertions the backend suites share: each failure carries the scenario's output and records. */
import assert from "node:assert/strict";
import type { ScenarioRecord, ScenarioRun } from "./run-scenario.js";

export function explain(run: ScenarioRun | { records: ScenarioRecord[] }): string {
  const failed = run.records.find((record) => record.event === "failed");
  const output = "output" in run ? `output:\n${run.output}\n` : "";
  return `${failed ? `failure reported: ${String(failed.message)}\n` : ""}${output}records:\n${run.records.map((record) => JSON.stringify(record)).join("\n")}`;
}

export function expectExit(run: ScenarioRun, expected: number): void {
  assert.equal(run.exitCode, expected, `supervisor exit code ${run.exitCode ?? `signal ${run.signal}`}, expected ${expected}\n${explain(run)}`);
}

/** The first record that matches; a running scenario (records only) will do. */
export function find(run: ScenarioRun | { records: ScenarioRecord[] }, what: string, predicate: (record: ScenarioRecord) => boolean): ScenarioRecord {
  const record = run.records.find(predicate);
  assert.ok(record, `no record of ${what}\n${explain(run)}`);
  return record;
}

export function within(value: number, low: number, high: number, what: string, run: ScenarioRun): void {
  assert.ok(value >= low && value <= high, `${what} took ${value.toFixed(1)} ms, expected ${low} to ${high} ms\n${explain(run)}`);
}

/** A backend that cannot tell why it signals (backend-native: libsam decides) reports the reason "libsam". */
export const isSignal = (signal: string, reason?: string) => (record: ScenarioRecord) =>
  record.event === "supervisor-signal" && record.signal === signal && (reason === undefined || record.reason === reason || record.reason === "libsam");
