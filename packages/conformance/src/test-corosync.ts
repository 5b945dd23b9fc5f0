/**
 * A throw-away one-node corosync on loopback for the tests that need a real one: start it, flip
 * its quorum, read and clean CMAP. Only one corosync runs per machine, so a daemon that is not
 * ours (another cluster name) is never touched: the tests that need ours skip and say why.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const testClusterName = "samkit-test";
const folder = join(tmpdir(), "samkit-corosync");
const pidFile = join(folder, "corosync.pid");
export const corosyncLogFile = join(folder, "corosync.log");

/** Two nodes, only the first of which exists: quorum follows quorum.expected_votes (1 or 2). */
const config = `totem {
  version: 2
  cluster_name: ${testClusterName}
  crypto_cipher: none
  crypto_hash: none
}
logging {
  to_stderr: yes
  to_logfile: no
  to_syslog: no
}
quorum {
  provider: corosync_votequorum
}
nodelist {
  node {
    name: node1
    nodeid: 1
    ring0_addr: 127.0.0.1
  }
  node {
    name: node2
    nodeid: 2
    ring0_addr: 127.0.0.2
  }
}
`;

const sbin = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];
function tool(name: string): string | undefined {
  for (const directory of [...(process.env.PATH ?? "").split(":"), ...sbin]) {
    if (directory && existsSync(join(directory, name))) return join(directory, name);
  }
  return undefined;
}

async function cmapctl(...args: string[]): Promise<string> {
  const binary = tool("corosync-cmapctl");
  if (!binary) throw new Error("corosync-cmapctl is not installed (apt-get install corosync)");
  const { stdout } = await run(binary, args, { timeout: 10_000 });
  return stdout;
}

export interface CorosyncAvailability {
  /** Our test daemon runs and answers: quorum and CMAP tests can run. */
  available: boolean;
  /** Why not, in words a developer can act on. */
  reason: string;
}

/** Whether the test corosync is running and answering. */
export async function testCorosyncAvailability(): Promise<CorosyncAvailability> {
  if (!tool("corosync")) return { available: false, reason: "corosync is not installed (apt-get install corosync libquorum-dev libcmap-dev)" };
  try {
    const name = (await cmapctl("-g", "totem.cluster_name")).trim();
    if (!name.endsWith(`= ${testClusterName}`)) {
      return { available: false, reason: `the corosync running here is another cluster (${name}); the tests only flip the quorum of their own (${testClusterName})` };
    }
    return { available: true, reason: "" };
  } catch {
    return { available: false, reason: "no corosync is running; `pnpm test` starts one when run as root, or run: node packages/conformance/dist/test-corosync-cli.js start" };
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeout = 15_000): Promise<void> {
  const started = Date.now();
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > timeout) throw new Error(`test corosync: ${what} did not happen within ${timeout} ms; see ${corosyncLogFile}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Starts the test corosync unless it already runs. Resolves `false` (and starts nothing) when it
 * cannot: not root, not installed, or another cluster's daemon runs here.
 */
export async function startTestCorosync(): Promise<boolean> {
  const binary = tool("corosync");
  if (!binary) return false;
  const availability = await testCorosyncAvailability();
  if (availability.available) return true;
  if (!availability.reason.startsWith("no corosync")) return false;
  if (process.getuid?.() !== 0) return false;
  mkdirSync(folder, { recursive: true });
  mkdirSync("/var/lib/corosync", { recursive: true });
  const configFile = join(folder, "corosync.conf");
  writeFileSync(configFile, config);
  const log = openSync(corosyncLogFile, "a");
  const daemon = spawn(binary, ["-f", "-c", configFile], { detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  daemon.unref();
  writeFileSync(pidFile, String(daemon.pid));
  await waitFor("start-up", async () => (await testCorosyncAvailability()).available);
  await setTestQuorate(true);
  return true;
}

/** Stops the test corosync (only ours), and waits until it is gone. */
export async function stopTestCorosync(): Promise<void> {
  if (!(await testCorosyncAvailability()).available) return;
  const cfgtool = tool("corosync-cfgtool");
  if (cfgtool) await run(cfgtool, ["-H", "--force"], { timeout: 10_000 }).catch(() => {});
  await waitFor("shut-down", async () => {
    try {
      await cmapctl("-g", "totem.cluster_name");
      return false;
    } catch {
      return true;
    }
  });
  // The daemon's process may linger for a moment after it stops answering.
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : 0;
  if (pid > 0) {
    await waitFor("exit", async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
  }
}

/** Whether the cluster is quorate now, as corosync-quorumtool tells. */
export async function testQuorate(): Promise<boolean> {
  const binary = tool("corosync-quorumtool");
  if (!binary) throw new Error("corosync-quorumtool is not installed");
  // It exits 2 while inquorate; the output tells either way.
  const { stdout } = await run(binary, ["-s"], { timeout: 10_000 }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
  return /^Quorate:\s+Yes/m.test(stdout);
}

/** Sets quorum.expected_votes (1: quorate, 2: not) and returns at once, for timing the change. */
export async function setTestExpectedVotes(votes: 1 | 2): Promise<void> {
  await cmapctl("-s", "quorum.expected_votes", "u32", String(votes));
}

/** Makes the one-node cluster quorate (expected votes 1) or not (2), and waits until it is. */
export async function setTestQuorate(quorate: boolean): Promise<void> {
  await setTestExpectedVotes(quorate ? 1 : 2);
  await waitFor(`quorate = ${quorate}`, async () => (await testQuorate()) === quorate, 5000);
}

/** The value of a CMAP key as text, or undefined when it does not exist. */
export async function cmapGet(key: string): Promise<string | undefined> {
  try {
    const line = (await cmapctl("-g", key)).trim();
    // "key (type) = value"
    const match = /^\S+ \(\w+\) = (.*)$/s.exec(line);
    return match ? match[1] : undefined;
  } catch {
    return undefined;
  }
}

/** Every key under `prefix` with its value as text. */
export async function cmapKeys(prefix: string): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  // A bare argument lists the keys that start with it.
  const output = await cmapctl(prefix).catch(() => "");
  for (const line of output.split("\n")) {
    const match = /^(\S+) \(\w+\) = (.*)$/.exec(line);
    if (match) keys.set(match[1]!, match[2]!);
  }
  return keys;
}

/** Deletes every key under `prefix` (e.g. `resources.process.1234.`). */
export async function cmapDeletePrefix(prefix: string): Promise<void> {
  if ((await cmapKeys(prefix)).size > 0) await cmapctl("-D", prefix);
}
