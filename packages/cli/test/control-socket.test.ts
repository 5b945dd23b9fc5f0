// The control socket's name: claimed by exactly one samctl, even under races; a stale one (its
// samctl was SIGKILLed) is neither reported as running nor left behind.
import { spawnSync } from "node:child_process";
import { chownSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { expectUsageError, samctlChild, samctlSync, temporaryFolder, until } from "./samctl-process.js";

const folders: string[] = [];
const leftovers: number[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  for (const pid of leftovers.splice(0)) kill(pid);
});

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Gone already.
  }
}

function runtime(): Record<string, string> {
  const folder = temporaryFolder("samkit-control-");
  folders.push(folder);
  return { SAMKIT_RUNTIME_DIR: folder };
}

/** A `samctl run --name <name> -- sleep 30`, once `samctl status` sees its program run. */
async function started(name: string, env: Record<string, string>) {
  const child = samctlChild(["run", "--name", name, "--log", "none", "--", "sleep", "30"], { env });
  leftovers.push(child.pid!);
  let instancePid: number | undefined;
  const running = await until(() => {
    const answer = samctlSync(["status", name, "--json"], { env });
    if (answer.status === 0) instancePid = (JSON.parse(answer.stdout) as { instancePid?: number }).instancePid;
    return typeof instancePid === "number";
  });
  expect(running, `samctl ${name} did not come up: ${child.stderrText()}`).toBe(true);
  leftovers.push(instancePid!);
  return { child, instancePid: instancePid! };
}

/** A samctl SIGKILLed while it ran: its sockets stay behind. */
async function killed(name: string, env: Record<string, string>): Promise<void> {
  const { child, instancePid } = await started(name, env);
  child.kill("SIGKILL");
  await child.exited;
  kill(instancePid);
}

describe("stale control sockets", () => {
  it("sockets left by a SIGKILLed samctl are not reported as running, and are removed", async () => {
    const env = runtime();
    await killed("gone1", env);
    await killed("gone2", env);
    const folder = env.SAMKIT_RUNTIME_DIR!;
    expect(readdirSync(folder).filter((file) => file.startsWith("gone1"))).not.toEqual([]);
    expectUsageError(samctlSync(["status"], { env }), /no samctl runs here/);
    expect(readdirSync(folder)).toEqual([]);

    await killed("gone3", env);
    const alive = await started("alive", env);
    const status = samctlSync(["status"], { env });
    expect(status.stdout, status.stderr).toMatch(/^alive: running, instance 1/);
    expect(status.status).toBe(0);
    expect(readdirSync(folder).filter((file) => file.includes("gone"))).toEqual([]);

    await killed("gone4", env);
    expectUsageError(samctlSync(["stop", "gone4"], { env }), /no samctl named "gone4" runs/);
    expect(readdirSync(folder).filter((file) => file.includes("gone"))).toEqual([]);
    expect(samctlSync(["stop"], { env }).stdout).toContain('"stopping":true');
    expect(await alive.child.exited).toBe(143);
    expect(readdirSync(folder)).toEqual([]);
  }, 60_000);

  it.skipIf(process.getuid?.() !== 0)("a stale socket owned by another user is neither reported nor removed (needs root, to chown)", () => {
    const env = runtime();
    const path = join(env.SAMKIT_RUNTIME_DIR!, "theirs.sock");
    // A socket nobody listens on: bound, then its process ends.
    expect(spawnSync("python3", ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path]).status).toBe(0);
    chownSync(path, 65534, 65534);
    expectUsageError(samctlSync(["status"], { env }), /no samctl runs here/);
    expect(readdirSync(env.SAMKIT_RUNTIME_DIR!)).toEqual(["theirs.sock"]);
  });
});

describe("claiming a name", () => {
  it("of ten samctl started at once with one name, exactly one runs; the others exit 2 and say why (4 rounds, 2 of them on a stale name)", async () => {
    const env = runtime();
    for (let round = 0; round < 4; round++) {
      const stale = round % 2 === 1;
      if (stale) await killed("race", env);
      const racers = Array.from({ length: 10 }, () => samctlChild(["run", "--name", "race", "--log", "none", "--", "sleep", "30"], { env }));
      leftovers.push(...racers.map((racer) => racer.pid!));
      // samctl status removes stale names too: it races with the starts.
      const askers = stale ? Array.from({ length: 3 }, () => samctlChild(["status", "race"], { env })) : [];
      const codes = new Map<number, number | null>();
      racers.forEach((racer, index) => void racer.exited.then((code) => codes.set(index, code)));
      await until(() => codes.size >= 9, 20_000);
      // A second winner would run its program for 30 s: give it time to show, had it lost.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(codes.size, `round ${round}: ${10 - codes.size} samctl run`).toBe(9);
      for (const [index, code] of codes) {
        expect(code, racers[index]!.stderrText()).toBe(2);
        expect(racers[index]!.stderrText()).toMatch(/^samctl: another samctl named "race" runs \(.*race\.sock\); give this one another --name\n$/);
      }
      const winner = racers.find((_, index) => !codes.has(index))!;
      const status = samctlSync(["status", "race", "--json"], { env });
      expect(JSON.parse(status.stdout)).toMatchObject({ name: "race", pid: winner.pid });
      await Promise.all(askers.map((asker) => asker.exited));
      expect(samctlSync(["stop", "race"], { env }).status).toBe(0);
      expect(await winner.exited).toBe(143);
      expect(readdirSync(env.SAMKIT_RUNTIME_DIR!)).toEqual([]);
    }
  }, 120_000);
});
