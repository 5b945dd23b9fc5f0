// The release rehearsal (release/rehearse.mjs): version, publish to a registry on loopback, and the
// CLI README's global install from it. Also `pnpm samctl` from this checkout.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { rehearseRelease } from "../rehearse.mjs";
import { publicPackages, repositoryRoot, userEnvironment } from "../lib/workspace.mjs";

const systemLibraries = spawnSync("pkg-config", ["--exists", "libsam", "libquorum", "libcmap"]).status === 0;
const skipReason = systemLibraries || process.env.SAMKIT_REQUIRE_COROSYNC === "1" ? undefined : "corosync's development files are missing: the native packages cannot be packed with their prebuilds";

describe.skipIf(skipReason !== undefined)(`the release rehearsal${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  it("publishes every public package to a local registry; npm install -g @samkit/cli from it gives a samctl that answers --version and --help", async () => {
    const result = await rehearseRelease();
    const before = publicPackages();
    expect(result.version).not.toBe(before[0]!.manifest.version);
    expect(Object.fromEntries(result.published)).toEqual(Object.fromEntries(before.map((item) => [item.name, result.version])));
    expect(result.samctlVersion).toBe(`${result.version}\n`);
    expect(result.samctlHelp).toMatch(/^usage: samctl <command> \[options\]\n[\s\S]*--version/);
    // Release notes are for users: no README or benchmark edits, no A/B figures.
    for (const [name, changelog] of result.changelogs) {
      expect(changelog, name).toContain(`## ${result.version}`);
      expect(changelog, name).not.toMatch(/README|BENCHMARKS|A\/B/);
    }
  }, 300_000);
});

describe("pnpm samctl", () => {
  it("runs samctl from the checkout, built as needed", () => {
    const result = spawnSync("pnpm", ["--silent", "samctl", "--help"], { cwd: repositoryRoot, encoding: "utf8", timeout: 300_000, env: userEnvironment() });
    expect([result.status, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toMatch(/^usage: samctl <command> \[options\]/);
  }, 300_000);
});
