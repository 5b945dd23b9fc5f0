/**
 * The options of `samctl run`, validated into what the supervisor takes. Beyond SAM, the restart
 * limit and the back-off are on by default here (off in the SDK): a crash loop must not spin.
 */
import { parseArgs } from "node:util";
import { parseSignal, type SamOptions } from "@samkit/core";
import { parseDuration } from "./durations.js";
import { UsageError } from "./usage-error.js";
import { commandProbe, fileProbe, httpProbe, tcpProbe, type Probe } from "./probes.js";

export interface RunOptions {
  command: string;
  args: string[];
  sam: SamOptions;
  log: "auto" | "text" | "json" | "none";
  probe: Probe | undefined;
  name: string;
  /** Plugins to load: a file store path, corosync's quorum, corosync's CMAP. */
  store: string | undefined;
  quorum: "corosync" | undefined;
  cmap: boolean;
  backend: "fork" | "native";
}

export const runUsage = `usage: samctl run [options] -- <command> [arguments...]

Runs <command> under SAM supervision in the foreground. samctl keeps its PID and exits with the
command's exit code (128 + signal for a signal death), so it fits docker run, a systemd ExecStart
and a Pacemaker resource.

options:
  --interval <duration>     health checks are due this often; 0 watches death only (default 0)
                            e.g. 500ms, 2s; a bare number is milliseconds
  --recovery quit|restart   after a started instance dies or hangs (default restart)
  --warn-signal <signal>    sent on a missed health check; SIGKILL then one interval later (default SIGTERM)
  --restart-limit <n>/<duration>
                            at most n restarts within the duration, then exit 124 (default 5/10s)
  --no-restart-limit        restart without limit (as libsam)
  --backoff <initial>,<max> exponential delays between restarts (default 100ms,10s)
  --no-backoff              restart at once (as libsam)
  --no-restart-exit-code <code>
                            an exit code meaning "failed for good": no restart (default 125)
  --health-cmd "<program> [args]"
                            a probe run every interval / 2: exit 0 is a heartbeat (no shell)
  --health-file <path>      a probe: the file was touched within the last interval (for shell scripts)
  --health-http <url>       a probe: GET answered 2xx or 3xx within interval / 2
  --health-tcp <host:port>  a probe: a TCP connection accepted within interval / 2
  --backend fork|native     fork: samctl supervises (default); native: corosync's libsam does, through
                            sam-agent, which samctl becomes (needs @samkit/backend-native; no probes,
                            notify protocol, store or status/stop then)
  --store <path>            keep the instance's stored data in a file (needs @samkit/store-file)
  --quorum corosync         start() waits for quorum; losing it recovers at once (needs @samkit/quorum-corosync)
  --cmap                    publish the state in corosync's CMAP (needs @samkit/quorum-corosync)
  --config <path>           a samkit.config.json or .mjs (default: ./samkit.config.json or .mjs if present)
  --name <name>             the name samctl status and samctl stop use (default: the command's base name)
  --log auto|text|json|none supervisor events on stderr: text on a terminal, JSON lines otherwise (default auto)
  -h, --help                this help

A Node program that uses @samkit/core with @samkit/backend-fork attaches to samctl as its
instance by itself: its start(), hcSend() and health-check callback are samctl's to judge.

examples:
  samctl run -- node server.js
  samctl run --interval 2s --warn-signal SIGUSR2 -- node worker.js --queue jobs
  samctl run --recovery quit --no-restart-limit -- ./batch.sh
  samctl run --interval 2s --health-http http://127.0.0.1:8080/healthz -- ./server

Flags beat SAMKIT_* environment variables (SAMKIT_INTERVAL, SAMKIT_RECOVERY, SAMKIT_WARN_SIGNAL,
SAMKIT_RESTART_LIMIT, SAMKIT_BACKOFF, SAMKIT_NO_RESTART_EXIT_CODE, SAMKIT_NAME, SAMKIT_LOG,
SAMKIT_STORE, SAMKIT_QUORUM, SAMKIT_CMAP, SAMKIT_HEALTH_CMD, SAMKIT_HEALTH_FILE, SAMKIT_HEALTH_HTTP, SAMKIT_HEALTH_TCP),
which beat the config file, which beats the defaults.`;

function required(value: string | undefined, option: string): string {
  if (value === undefined) throw new UsageError(`${option} needs a value`);
  return value;
}

function duration(text: string, option: string, minimum = 0): number {
  const value = parseDuration(text);
  if (value === undefined || value < minimum || value > 2_147_483_647) {
    throw new UsageError(`${option}: "${text}" is not a duration (examples: 500ms, 2s, 1m; a bare number is milliseconds)`);
  }
  return value;
}

export function parseRunOptions(argv: readonly string[]): RunOptions | "help" {
  const separator = argv.indexOf("--");
  const own = separator < 0 ? [...argv] : argv.slice(0, separator);
  const command = separator < 0 ? [] : argv.slice(separator + 1);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: own,
      strict: true,
      allowPositionals: false,
      options: {
        interval: { type: "string" },
        recovery: { type: "string" },
        "warn-signal": { type: "string" },
        "restart-limit": { type: "string" },
        "no-restart-limit": { type: "boolean" },
        backoff: { type: "string" },
        "no-backoff": { type: "boolean" },
        "no-restart-exit-code": { type: "string" },
        log: { type: "string" },
        name: { type: "string" },
        config: { type: "string" },
        store: { type: "string" },
        backend: { type: "string" },
        quorum: { type: "string" },
        cmap: { type: "boolean" },
        "health-cmd": { type: "string" },
        "health-file": { type: "string" },
        "health-http": { type: "string" },
        "health-tcp": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    // parseArgs says what was wrong in its first sentence.
    throw new UsageError(String((error as Error).message).split("\n")[0]!.replace(/\. To specify.*$/, ""));
  }
  if (values.help) return "help";
  if (command.length === 0 || command[0] === "") throw new UsageError("no command: put it after --, e.g. samctl run -- node server.js");

  const interval = values.interval === undefined ? 0 : duration(required(values.interval as string, "--interval"), "--interval");
  const recovery = (values.recovery as string | undefined) ?? "restart";
  if (recovery !== "quit" && recovery !== "restart") throw new UsageError(`--recovery: "${recovery}" is neither quit nor restart`);
  let warnSignal: NodeJS.Signals = "SIGTERM";
  if (values["warn-signal"] !== undefined) {
    try {
      warnSignal = parseSignal(values["warn-signal"], "--warn-signal");
    } catch {
      throw new UsageError(`--warn-signal: "${String(values["warn-signal"])}" is not a signal (examples: SIGTERM, USR2, 15)`);
    }
  }
  // A flag and its --no- form can both come (config, environment, command line): the later wins.
  const later = (flag: string) => Math.max(own.lastIndexOf(`--${flag}`), ...own.map((token, index) => (token.startsWith(`--${flag}=`) ? index : -1))) > own.lastIndexOf(`--no-${flag}`);
  if (values["no-restart-limit"] && values["restart-limit"] !== undefined && later("restart-limit")) values["no-restart-limit"] = undefined;
  if (values["no-backoff"] && values.backoff !== undefined && later("backoff")) values["no-backoff"] = undefined;
  let restartLimit: SamOptions["restartLimit"] = { count: 5, window: 10_000 };
  if (values["no-restart-limit"]) restartLimit = undefined;
  else if (values["restart-limit"] !== undefined) {
    const match = /^(\d+)\/(.+)$/.exec(values["restart-limit"] as string);
    if (!match) throw new UsageError(`--restart-limit: "${String(values["restart-limit"])}" is not <count>/<duration>, e.g. 5/10s`);
    restartLimit = { count: Number(match[1]), window: duration(match[2]!, "--restart-limit", 1) };
  }
  let backoff: SamOptions["backoff"] = { initialDelay: 100, maxDelay: 10_000 };
  if (values["no-backoff"]) backoff = undefined;
  else if (values.backoff !== undefined) {
    const [initial, maximum, ...rest] = (values.backoff as string).split(",");
    if (initial === undefined || maximum === undefined || rest.length > 0) throw new UsageError(`--backoff: "${String(values.backoff)}" is not <initial>,<max>, e.g. 100ms,10s`);
    backoff = { initialDelay: duration(initial, "--backoff"), maxDelay: duration(maximum, "--backoff") };
    if (backoff.maxDelay < backoff.initialDelay) throw new UsageError("--backoff: the maximum is below the initial delay");
  }
  let noRestartExitCode: number | undefined = 125;
  if (values["no-restart-exit-code"] !== undefined) {
    const text = values["no-restart-exit-code"] as string;
    noRestartExitCode = /^\d{1,3}$/.test(text) ? Number(text) : Number.NaN;
    if (!(noRestartExitCode >= 1 && noRestartExitCode <= 255)) throw new UsageError(`--no-restart-exit-code: "${text}" is not an exit code from 1 to 255`);
  }
  const probes = (["health-cmd", "health-file", "health-http", "health-tcp"] as const).filter((name) => values[name] !== undefined);
  if (probes.length > 1) throw new UsageError(`--${probes[0]} and --${probes[1]}: one probe at a time`);
  let probe: Probe | undefined;
  if (probes.length === 1) {
    if (interval === 0) throw new UsageError(`--${probes[0]} needs --interval above 0 (the probe runs every interval / 2)`);
    const text = values[probes[0]!] as string;
    probe = probes[0] === "health-cmd" ? commandProbe(text) : probes[0] === "health-file" ? fileProbe(text, interval) : probes[0] === "health-http" ? httpProbe(text) : tcpProbe(text);
  }
  const quorum = values.quorum as string | undefined;
  if (quorum !== undefined && quorum !== "corosync") throw new UsageError(`--quorum: "${quorum}" is not a quorum source samctl knows (corosync)`);
  const store = values.store as string | undefined;
  if (store !== undefined && store.trim() === "") throw new UsageError("--store needs a file path");
  const backend = (values.backend as string | undefined) ?? "fork";
  if (backend !== "fork" && backend !== "native") throw new UsageError(`--backend: "${backend}" is neither fork nor native`);
  if (backend === "native") {
    const unsupported = probes.length > 0 ? `--${probes[0]}` : store !== undefined ? "--store" : values["no-restart-limit"] !== true && values["restart-limit"] !== undefined ? "--restart-limit" : values.backoff !== undefined && !values["no-backoff"] ? "--backoff" : undefined;
    if (unsupported) throw new UsageError(`${unsupported} does not work with --backend native: libsam decides alone`);
  }
  const log = (values.log as string | undefined) ?? "auto";
  if (!["auto", "text", "json", "none"].includes(log)) throw new UsageError(`--log: "${log}" is not auto, text, json or none`);
  return {
    command: command[0]!,
    args: command.slice(1),
    sam: { interval, recovery, warnSignal, restartLimit, backoff, noRestartExitCode },
    log: log as RunOptions["log"],
    probe,
    name: (values.name as string | undefined) ?? (command[0]!.split("/").pop() || "samctl"),
    store,
    quorum: quorum as "corosync" | undefined,
    cmap: values.cmap === true,
    backend,
  };
}
