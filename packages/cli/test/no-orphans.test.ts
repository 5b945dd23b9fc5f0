// No orphans, whatever dies: a supervisor SIGKILLed leaves nothing of its instance behind one second
// later (the instance, its children, those that called setsid(), double-forked daemons), for
// backend-fork, backend-native and samctl (a Node program and a shell script), with standard input
// a pipe and a terminal, as root and as an unprivileged user; and a hung Node instance too.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const samctl = fileURLToPath(new URL("../dist/samctl.js", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/orphans.mjs", import.meta.url));
const nobody = 65534;
const root = process.getuid?.() === 0;
const hasScript = spawnSync("script", ["--version"]).status === 0;
const scratch = mkdtempSync(join(tmpdir(), "samkit-no-orphans-"));
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface ProcessInfo {
  pid: number;
  ppid: number;
  state: string;
  /** Clock ticks after boot: tells a process from a later one with its PID. */
  start: string;
  comm: string;
}

function stat(pid: number): ProcessInfo | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const fields = text.slice(close + 2).split(" ");
    return { pid, ppid: Number(fields[1]), state: fields[0]!, start: fields[19]!, comm: text.slice(text.indexOf("(") + 1, close) };
  } catch {
    return undefined;
  }
}

const allProcesses = () => readdirSync("/proc").filter((name) => /^\d+$/.test(name)).flatMap((name) => stat(Number(name)) ?? []);

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

/** Every process whose parent chain leads to `root` (not `root` itself). */
function descendants(rootPid: number, processes = allProcesses()): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  const parents = new Set([rootPid]);
  for (let grown = true, rounds = 0; grown && rounds < 100; rounds++) {
    grown = false;
    for (const info of processes) {
      if (!parents.has(info.pid) && parents.has(info.ppid)) {
        parents.add(info.pid);
        found.push(info);
        grown = true;
      }
    }
  }
  return found;
}

/** Still running: the same process (not a later one with its PID), and not a zombie. */
function alive(info: ProcessInfo): boolean {
  const now = stat(info.pid);
  return now !== undefined && now.start === info.start && now.state !== "Z" && now.state !== "X";
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** At most `slots` combinations at once: each starts two or three Node processes on a 2-core machine. */
function limiter(slots: number) {
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (slots === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    else slots--;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else slots++;
    }
  };
}
const limit = limiter(4);

type Supervisor = "backend-fork" | "backend-native" | "samctl, Node program" | "samctl, sh -c";
interface Combination {
  supervisor: Supervisor;
  stdin: "pipe" | "terminal";
  children: "in its group" | "setsid()";
  user: "root" | "nobody";
  hung?: boolean;
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
// Each run's sleeps carry a token of their own: found even when they left the tree (a double fork).
const firstToken = 100_000 + Math.floor(Math.random() * 800_000);
let runs = 0;

/** The command line of a combination, and what tells its supervisor in the process tree. */
function commandOf(combination: Combination, token: string) {
  const sleep = `1000.${token}`;
  const script =
    combination.children === "in its group"
      ? `sleep ${sleep} & sh -c 'sleep ${sleep} & wait' & echo ready; wait`
      : `setsid sleep ${sleep} & (setsid sleep ${sleep} &); echo ready; wait`;
  const detached = combination.children === "setsid()" ? [sleep] : [];
  const node = (backend: string) => [process.execPath, fixture, backend, combination.hung ? "hung" : "idle", script, ...detached];
  const samctlRun = [process.execPath, samctl, "run", "--log", "none", "--name", `orphans-${token}`, "--"];
  const program = {
    "backend-fork": node("fork"),
    "backend-native": node("native"),
    "samctl, Node program": [...samctlRun, ...node("fork")],
    "samctl, sh -c": [...samctlRun, "sh", "-c", script],
  }[combination.supervisor];
  const asUser = combination.user === "nobody" ? ["setpriv", `--reuid=${nobody}`, `--regid=${nobody}`, "--clear-groups", "--inh-caps=-all", ...program] : program;
  // In a terminal, the shell that leads its session stays after the supervisor dies, so its
  // hang-up does not do the guard's work.
  const command = combination.stdin === "terminal" ? ["script", "-qec", `${asUser.map(quote).join(" ")}; sleep 30`, "/dev/null"] : asUser;
  return {
    command,
    identifies: combination.supervisor.startsWith("samctl") ? samctl : fixture,
    node: combination.supervisor !== "samctl, sh -c",
    sleeps: combination.children === "in its group" ? 2 : combination.supervisor === "samctl, sh -c" ? 2 : 3,
  };
}

async function check(combination: Combination): Promise<void> {
  const token = String(firstToken + runs++);
  const runtime = mkdtempSync(join(scratch, "runtime-"));
  if (combination.user === "nobody") chownSync(runtime, nobody, nobody);
  chmodSync(runtime, 0o700);
  const { command, identifies, node, sleeps } = commandOf(combination, token);
  const child: ChildProcess = spawn(command[0]!, command.slice(1), { cwd: "/", stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, SAMKIT_RUNTIME_DIR: runtime } });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
  const tokenSleeps = () => allProcesses().filter((info) => info.comm === "sleep" && commandLine(info.pid).includes(`1000.${token}`));
  const recorded = new Map<number, ProcessInfo>();
  try {
    // Ready: the script started its children, the Node instance (if any) is running, and every sleep has been executed.
    const readyBy = performance.now() + 20_000;
    const ready = () => output.includes("ready") && (!node || output.includes("started")) && tokenSleeps().length >= sleeps;
    for (let round = 0; round < 1000 && !ready() && performance.now() < readyBy; round++) await pause(20);
    expect(tokenSleeps().length, `not ready in 20 s:\n${output}`).toBeGreaterThanOrEqual(sleeps);
    const processes = allProcesses();
    // The topmost Node process (or sam-agent, which took its PID) of the entry: not script(1), whose command line holds it too.
    const supervisor = [child.pid!, ...descendants(child.pid!, processes).map((info) => info.pid)].find(
      (pid) => ["node", "sam-agent"].includes(stat(pid)?.comm ?? "") && commandLine(pid).includes(identifies),
    );
    expect(supervisor, `no supervisor in the tree of ${child.pid}:\n${output}`).toBeDefined();
    for (const info of [...descendants(supervisor!, processes), ...tokenSleeps()]) recorded.set(info.pid, info);
    const killedAt = performance.now();
    process.kill(supervisor!, "SIGKILL");
    let survivors: ProcessInfo[] = [];
    for (let round = 0; round < 200; round++) {
      for (const info of tokenSleeps()) if (!recorded.has(info.pid)) recorded.set(info.pid, info);
      survivors = [...recorded.values()].filter(alive);
      if (survivors.length === 0 || performance.now() - killedAt > 1000) break;
      await pause(10);
    }
    expect(survivors.map((info) => `${info.pid} ${commandLine(info.pid)}`), "alive 1 s after the supervisor was SIGKILLed").toEqual([]);
  } finally {
    for (const info of [...recorded.values(), ...tokenSleeps(), ...descendants(child.pid!)]) {
      try {
        process.kill(info.pid, "SIGKILL");
      } catch {
        // Gone.
      }
    }
    child.kill("SIGKILL");
  }
}

const combinations: Combination[] = [];
for (const supervisor of ["backend-fork", "backend-native", "samctl, Node program", "samctl, sh -c"] as const) {
  for (const stdin of ["pipe", "terminal"] as const) {
    for (const children of ["in its group", "setsid()"] as const) {
      for (const user of ["root", "nobody"] as const) combinations.push({ supervisor, stdin, children, user });
    }
  }
}
for (const stdin of ["pipe", "terminal"] as const) {
  for (const children of ["in its group", "setsid()"] as const) combinations.push({ supervisor: "backend-fork", stdin, children, user: "root", hung: true });
}

const skipReason = (combination: Combination) =>
  combination.user === "nobody" && !root ? "needs root, to run as nobody" : combination.stdin === "terminal" && !hasScript ? "needs script(1) (util-linux) for a terminal" : undefined;

describe.concurrent("a SIGKILLed supervisor leaves no process of its instance behind", () => {
  for (const combination of combinations) {
    const reason = skipReason(combination);
    const name = `${combination.supervisor}${combination.hung ? ", hung Node instance" : ""}; stdin a ${combination.stdin}; a child ${combination.children}; as ${combination.user}${reason ? ` (skipped: ${reason})` : ""}`;
    it.skipIf(reason !== undefined)(name, () => limit(() => check(combination)), 60_000);
  }
});
