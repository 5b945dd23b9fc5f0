// samkit-guard between the supervisor and each instance (instance-guard.ts, native/src/guard.c):
// it stays out of sight (the PIDs a user sees are the instance's), and what an instance leaves
// behind, children that left its process group included, ends with it however it ends. What a
// SIGKILLed supervisor leaves is packages/cli/test/no-orphans.test.ts's.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const skipReason = process.platform !== "linux" ? "samkit-guard is for Linux" : undefined;
const hasScript = spawnSync("script", ["--version"]).status === 0;

/** The living processes `sleep <name>`. */
function sleeps(name: string): number[] {
  return readdirSync("/proc").flatMap((entry) => {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      return /^\d+$/.test(entry) && state !== "Z" && readFileSync(`/proc/${entry}/cmdline`, "utf8") === `sleep\0${name}\0` ? [Number(entry)] : [];
    } catch {
      return [];
    }
  });
}

describe.skipIf(skipReason !== undefined)(`samkit-guard${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  it("stays out of sight: events give the instance's own PID, whose parent is the guard; SAMKIT_SUPERVISOR_PID names the supervisor", () => {
    const result = spawnSync(process.execPath, [fixture("guard-identity.mjs")], { encoding: "utf8", timeout: 20_000 });
    expect(result.status, result.stderr).toBe(3);
    const spawned = /^spawn (\d+) supervisor (\d+)$/m.exec(result.stdout);
    const instance = /^instance (\d+) parent (\S+) supervisor-pid (\d+)$/m.exec(result.stdout);
    expect(spawned?.[1]).toBe(instance?.[1]);
    expect(result.stdout).toContain(`exit ${instance?.[1]} supervisor`);
    expect(instance?.[2]).toBe("samkit-guard");
    expect(instance?.[3]).toBe(spawned?.[2]);
    expect(result.stdout).not.toMatch(/^error/m);
  });

  it("guard: false starts the instance directly, and says nothing", () => {
    const result = spawnSync(process.execPath, [fixture("guard-identity.mjs"), "no-guard"], { encoding: "utf8", timeout: 20_000 });
    expect(result.status, result.stderr).toBe(3);
    const spawned = /^spawn (\d+) supervisor (\d+)$/m.exec(result.stdout);
    expect(result.stdout).toContain(`instance ${spawned?.[1]} parent node supervisor-pid ${spawned?.[2]}`);
    expect(result.stdout).not.toMatch(/^error/m);
  });

  const endings = [
    ["exits", "exit", 3],
    ["is SIGKILLed by its supervisor after the warn signal", "hang", 137],
  ] as const;
  for (const [ending, mode, code] of endings) {
    for (const stdin of ["pipe", "terminal"] as const) {
      it.skipIf(stdin === "terminal" && !hasScript)(`an instance that ${ending}, standard input a ${stdin}: its children end with it, setsid() ones and a double-forked daemon too`, async () => {
        const name = `1000.${process.pid}${mode.length}${stdin.length}`;
        const command = [process.execPath, fixture("leaves-children.mjs"), mode, name];
        const child =
          stdin === "pipe"
            ? spawn(command[0]!, command.slice(1), { stdio: ["pipe", "pipe", "inherit"] })
            : spawn("script", ["-qec", command.map((word) => `'${word}'`).join(" "), "/dev/null"], { stdio: ["pipe", "pipe", "inherit"] });
        let output = "";
        child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text));
        try {
          const status = await new Promise<number | null>((resolve) => child.on("exit", resolve));
          expect(output).toContain("ready");
          if (stdin === "pipe") expect(status).toBe(code);
          let left = sleeps(name);
          for (let round = 0, until = performance.now() + 1000; left.length > 0 && round < 100 && performance.now() < until; round++) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            left = sleeps(name);
          }
          expect(left, "children alive 1 s after their supervisor ended").toEqual([]);
        } finally {
          for (const pid of sleeps(name)) process.kill(pid, "SIGKILL");
          child.kill("SIGKILL");
        }
      }, 30_000);
    }
  }
});
