// backend-fork under faults an unlucky operator or a hostile instance brings: a stalled supervisor,
// an instance that lies in its data file, one that declares itself failed and then exits cleanly.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe("a hostile data file", () => {
  it("a header claiming 1.5 GiB is refused without reading it; the next instance gets the data before", () => {
    const result = spawnSync(process.execPath, [fixture("hostile-data-file.mjs")], { encoding: "utf8", timeout: 30_000 });
    expect(result.stdout).toMatch(/^error the data file of instance 2 is not taken: @samkit\/backend-kit: the instance's data file says it holds 1610612736 bytes, more than maxDataSize \(67108864\); it is not read, and the next instance gets the data before it$/m);
    expect(result.stdout).toMatch(/^instance 3 restored the data before$/m);
    const rss = Number(/^supervisor rss (\d+)$/m.exec(result.stdout)?.[1]);
    expect(rss).toBeLessThan(300 * 1024 * 1024);
    expect(result.status, result.stderr).toBe(0);
  });
});

describe("markFailed()", () => {
  it("never ends in success: the instance does not exit by itself, and an exit 0 after it reads as 137", () => {
    for (const variant of ["idle", "exit"]) {
      const result = spawnSync(process.execPath, [fixture("mark-failed-then-idle.mjs"), variant], { encoding: "utf8", timeout: 30_000 });
      expect([result.status, variant]).toEqual([137, variant]);
    }
  });
});
