// The supervisor runs a few nice steps ahead of its instances (supervisor-priority.ts), and every
// instance, cold or a promoted spare, runs at the priority the supervisor was started with.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { supervisorNiceBoost } from "../src/supervisor-priority.js";

const fixture = fileURLToPath(new URL("./fixtures/report-priorities.mjs", import.meta.url));
// Raising a priority needs CAP_SYS_NICE; CI runs as root. Without it the supervisor stays as it was.
const privileged = process.getuid?.() === 0;

describe.each([
  ["a cold restart", []],
  ["warm standby", ["standby"]],
])("priorities, with %s", (_name, args) => {
  it(`the supervisor runs ${privileged ? `${supervisorNiceBoost} nice steps ahead` : "unchanged (not privileged)"}, its instances at the nice it was started with`, () => {
    const started = 3;
    const result = spawnSync("nice", ["-n", String(started), process.execPath, fixture, ...args], { encoding: "utf8", timeout: 30_000 });
    expect(result.status, result.stderr).toBe(0);
    const reports = [...result.stdout.matchAll(/^instance (\d+) nice (-?\d+) supervisor (-?\d+)$/gm)].map((match) => match.slice(1).map(Number));
    expect(reports.map(([id]) => id)).toEqual([1, 2]);
    for (const [, nice, supervisor] of reports) {
      expect(nice).toBe(started);
      expect(supervisor).toBe(privileged ? started - supervisorNiceBoost : started);
    }
  }, 40_000);
});
