// The README's two commands as a newcomer sees them: the main job prints the supervised story
// and little else; the test command always ends with its summary line, says why each test it
// skips is skipped, and fails with a non-zero exit code when a test fails.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryRoot, userEnvironment } from "../lib/workspace.mjs";

describe("the README's commands", () => {
  it("pnpm example: at most 15 lines, telling the story (warned, ended, restored, exit code 0)", () => {
    const result = spawnSync("pnpm", ["example"], { cwd: repositoryRoot, encoding: "utf8", timeout: 300_000, env: userEnvironment() });
    const lines = `${result.stdout}${result.stderr}`.trimEnd().split("\n");
    expect(result.status, lines.join("\n")).toBe(0);
    expect(lines.length, lines.join("\n")).toBeLessThanOrEqual(15);
    const story = lines.join("\n");
    expect(story).toMatch(/^samctl .*sent SIGTERM to instance 1 \(timeout\)$/m);
    expect(story).toMatch(/^samctl .*instance 1 ended \(SIGTERM\)$/m);
    expect(story).toMatch(/^app .*instance 2 .*it has hung 1 time\(s\) before$/m);
    expect(story).toMatch(/^samctl .*done, exit code 0$/m);
  }, 300_000);

  it("the test command: progress lines, the reason of each skip, and the summary last, with a failing exit code", () => {
    // A scratch project inside the checkout, so that vitest and the reporter resolve from it.
    const scratch = mkdtempSync(join(repositoryRoot, "release", ".scratch-"));
    try {
      writeFileSync(join(scratch, "vitest.config.ts"), `import { defineConfig } from "vitest/config";
export default defineConfig({ test: { include: ["*.check.ts"], reporters: ["default", ${JSON.stringify(join(repositoryRoot, "tools", "vitest-summary-reporter.ts"))}] } });
`);
      writeFileSync(join(scratch, "one.check.ts"), `import { it, expect } from "vitest";
it("passes", () => expect(1).toBe(1));
it("fails", () => expect(1).toBe(2));
it.skip("waits for corosync (skipped: corosync is not installed)", () => {});
`);
      const result = spawnSync(process.execPath, [join(repositoryRoot, "tools", "test.mjs")], { cwd: repositoryRoot, encoding: "utf8", timeout: 120_000, env: userEnvironment({ SAMKIT_TEST_ROOT: scratch }) });
      const lines = result.stdout.trimEnd().split("\n");
      expect(result.status).not.toBe(0);
      expect(lines.at(-1)).toBe("Tests: 1 passed, 1 failed, 1 skipped");
      expect(lines).toContain("[samkit] skipped: waits for corosync: corosync is not installed");
      expect(lines.some((line) => /^\[samkit\] 1\/1 .*one\.check\.ts: 3 tests, 1 failed$/.test(line))).toBe(true);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 120_000);
});
