// A private PM2: its own PM2_HOME in a temporary folder (never ~/.pm2), started with one app and
// always killed again, stragglers included.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const packageFile = require.resolve("pm2/package.json");
const pm2Binary = join(dirname(packageFile), "bin", "pm2");

/** The PM2 version under test. */
export const pm2Version = JSON.parse(readFileSync(packageFile, "utf8")).version;

const running = new Set();

/**
 * Starts a PM2 daemon with `app args` in fork mode and restart limits raised far above any
 * crash loop the bench makes. `environment` reaches the app. Returns `{ daemonPid(), kill() }`.
 */
export async function startPm2(app, args, environment) {
  const home = mkdtempSync(join(tmpdir(), "samkit-pm2-"));
  const env = { ...process.env, ...environment, PM2_HOME: home };
  const daemon = { home };
  daemon.daemonPid = () => Number(readFileSync(join(home, "pm2.pid"), "utf8"));
  daemon.kill = () => killPm2(daemon, env);
  running.add(daemon);
  const ecosystem = join(home, "ecosystem.json");
  writeFileSync(ecosystem, JSON.stringify({
    apps: [{
      name: "samkit-bench",
      script: app,
      args,
      exec_mode: "fork",
      instances: 1,
      autorestart: true,
      // PM2 stops an app after max_restarts restarts that each lived less than min_uptime ms;
      // 100 ms is the least min_uptime it accepts, so max_restarts is what keeps a loop going.
      max_restarts: 1_000_000,
      min_uptime: 100,
      restart_delay: 0,
      watch: false,
      vizion: false,
      env: environment,
    }],
  }));
  try {
    await run(process.execPath, [pm2Binary, "start", ecosystem], { env, timeout: 30_000 });
  } catch (error) {
    await daemon.kill();
    throw new Error(`pm2 bench subject: pm2 start failed: ${error.message}\n${error.stdout ?? ""}\n${error.stderr ?? ""}`.trim());
  }
  return daemon;
}

/** Kills `pid` if it is still a process of this PM2 (its environment names the PM2_HOME), not a reused pid. */
function killStraggler(pid, home) {
  let environment;
  try {
    environment = readFileSync(`/proc/${pid}/environ`, "utf8");
  } catch {
    return;
  }
  if (!environment.split("\0").includes(`PM2_HOME=${home}`)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch (error) {
    if (error.code !== "ESRCH") throw error;
  }
}

/** The daemon's pid and the running app's, from PM2's pid files (`pm2 kill` removes them). */
function recordedPids(home) {
  const pidFiles = [join(home, "pm2.pid")];
  const appPidFolder = join(home, "pids");
  if (existsSync(appPidFolder)) pidFiles.push(...readdirSync(appPidFolder).map((file) => join(appPidFolder, file)));
  return pidFiles.filter((file) => existsSync(file)).map((file) => Number(readFileSync(file, "utf8"))).filter((pid) => pid > 0);
}

async function killPm2(daemon, env) {
  if (!running.has(daemon)) return;
  running.delete(daemon);
  const pids = recordedPids(daemon.home);
  await run(process.execPath, [pm2Binary, "kill"], { env, timeout: 30_000 }).catch(() => {});
  // `pm2 kill` stops the apps and the daemon; whatever survived it does not survive this.
  for (const pid of pids) killStraggler(pid, daemon.home);
  rmSync(daemon.home, { recursive: true, force: true });
}

// PM2 detaches its daemon and apps from us: should the bench exit without teardown (an error
// escaping, process.exit), kill them the blunt, synchronous way.
process.on("exit", () => {
  for (const daemon of running) {
    for (const pid of recordedPids(daemon.home)) killStraggler(pid, daemon.home);
    rmSync(daemon.home, { recursive: true, force: true });
  }
});

/** Kills every PM2 this module started and has not killed yet. */
export async function killAllPm2() {
  await Promise.all([...running].map((daemon) => daemon.kill()));
}
