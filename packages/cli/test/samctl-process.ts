// Helpers for tests that drive the real samctl binary as a user would.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const samctl = fileURLToPath(new URL("../dist/samctl.js", import.meta.url));

export interface SamctlRun {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Milliseconds before the run is killed (its status is then null). */
  timeout?: number;
}

export function samctlSync(args: readonly string[], { env = {}, cwd, timeout = 20_000 }: SamctlRun = {}) {
  return spawnSync(process.execPath, [samctl, ...args], { encoding: "utf8", cwd, env: { ...process.env, ...env }, timeout });
}

export function samctlChild(args: readonly string[], { env = {}, cwd }: SamctlRun = {}): ChildProcess & { exited: Promise<number | null>; stderrText: () => string } {
  const child = spawn(process.execPath, [samctl, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return Object.assign(child, { exited, stderrText: () => stderr });
}

/** A new private folder (mkdtemp makes it 0700). */
export function temporaryFolder(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Polls `condition` every 20 ms for at most `timeout` ms; returns whether it became true. */
export async function until(condition: () => boolean, timeout = 10_000): Promise<boolean> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeout) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** A usage mistake: exit 2 and one line on stderr that matches `reason`. */
export function expectUsageError(result: { status: number | null; stderr: string }, reason: RegExp): void {
  expect(result.stderr).toMatch(reason);
  expect(result.status, result.stderr).toBe(2);
  expect(result.stderr.trim().split("\n"), result.stderr).toHaveLength(1);
}
