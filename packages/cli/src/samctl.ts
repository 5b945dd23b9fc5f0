/**
 * samctl: run any program under SAM supervision. `samctl run [options] -- <command> [arguments...]`
 */
import { SamError } from "@samkit/core";
import { startSupervision, type ForkSupervisorEvent, type Supervision } from "@samkit/backend-fork";
import { parseArgs } from "node:util";
import { askControl, listenForControl } from "./control-socket.js";
import { checkName } from "./samctl-name.js";
import { parseRunOptions, runUsage } from "./run-options.js";
import { eventLogger, notice } from "./event-log.js";
import { probeInstances } from "./probes.js";
import { UsageError } from "./usage-error.js";
import { withPlugins } from "./plugins.js";
import { environmentTokens, loadConfig } from "./config.js";
import { listenForNotify, type NotifyListener } from "./notify-protocol.js";
import { readFileSync } from "node:fs";

const usage = `usage: samctl <command> [options]

commands:
  run [options] -- <command> [arguments...]   run a program under SAM supervision
  status [name] [--json]                      what a running samctl knows: state, instance, restarts, last heartbeat
  stop [name]                                 stop a running samctl (warn signal, SIGKILL one interval later)
  help [command]                              this help, or a command's
  --version                                   the version of samctl (@samkit/cli)

examples:
  samctl run --name web --interval 2s -- node server.js
  samctl status web --json
  samctl stop web

samctl run --help lists the run options.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || (command === "help" && rest.length === 0)) {
    process.stdout.write(`${usage}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === "--version" || command === "-V") {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    process.stdout.write(`${manifest.version}\n`);
    return 0;
  }
  if (command === "help" && rest[0] === "run") {
    process.stdout.write(`${runUsage}\n`);
    return 0;
  }
  if (command === "status" || command === "stop") {
    let parsed;
    try {
      parsed = parseArgs({ args: rest, allowPositionals: true, strict: true, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
    } catch (error) {
      throw new UsageError(String((error as Error).message).split("\n")[0]!);
    }
    if (parsed.values.help) {
      process.stdout.write(`usage: samctl ${command} [name]${command === "status" ? " [--json]" : ""}\n\nexample: samctl ${command} web\n`);
      return 0;
    }
    if (parsed.positionals.length > 1) throw new UsageError(`samctl ${command} takes at most one name`);
    if (parsed.positionals[0] !== undefined) checkName(parsed.positionals[0], `samctl ${command}`);
    const answer = await askControl(command, parsed.positionals[0]);
    if (command === "stop" || parsed.values.json) {
      process.stdout.write(`${JSON.stringify(answer)}\n`);
    } else {
      const age = answer.lastMessageAge === null ? "none yet" : `${String(answer.lastMessageAge)} ms ago`;
      process.stdout.write(`${String(answer.name)}: ${String(answer.phase)}, instance ${String(answer.instanceId)} (PID ${String(answer.instancePid ?? "-")}), ${answer.started ? "started" : "not started"}, ${String(answer.restarts)} restarts, last heartbeat ${age}${answer.quorate === null ? "" : `, quorate: ${String(answer.quorate)}`}\n`);
    }
    return 0;
  }
  if (command !== "run") throw new UsageError(`unknown command "${command}" (samctl run -- <command>; samctl --help)`);
  // Flags beat the environment, which beats the config file: later tokens win in parseArgs.
  const separator = rest.indexOf("--");
  const flags = separator < 0 ? rest : rest.slice(0, separator);
  const configFlag = flags.findIndex((token) => token === "--config" || token.startsWith("--config="));
  const configPath = configFlag < 0 ? undefined : flags[configFlag]!.includes("=") ? flags[configFlag]!.slice(9) : flags[configFlag + 1];
  const config = flags.includes("--help") || flags.includes("-h") ? { tokens: [] } : await loadConfig(configPath);
  const options = parseRunOptions([...config.tokens, ...environmentTokens(), ...rest]);
  if (options === "help") {
    process.stdout.write(`${runUsage}\n`);
    return 0;
  }
  if (options.backend === "native") {
    // libsam has no restart limit, back-off or no-restart code: samctl's defaults do not apply.
    const { execUnderLibsam } = await import("@samkit/backend-native").catch(() => {
      throw new UsageError("--backend native needs @samkit/backend-native: npm install @samkit/backend-native");
    });
    const sam = await withPlugins({ ...options, sam: { ...options.sam, restartLimit: undefined, backoff: undefined, noRestartExitCode: undefined } });
    await sam.quorum?.close();
    execUnderLibsam({ command: options.command, args: options.args, sam, events: options.log === "none" ? undefined : { fd: 2, prefix: "" } });
  }
  let supervision: Supervision | undefined;
  const claim = await listenForControl(options.name, () => supervision, () => ({ pid: process.pid, command: [options.command, ...options.args], programStatus: notify?.status ?? null }));
  // The notify socket sits beside the control socket; the program finds it in NOTIFY_SOCKET. Without
  // the notify addon everything else still works: samctl says why once, and offers no socket.
  const notifyPath = claim.paths.notify;
  let notify: NotifyListener | undefined;
  try {
    notify = listenForNotify(notifyPath, () => supervision);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
    notice(options.log, `NOTIFY_SOCKET is not offered (the systemd notify protocol is off): ${reason}`);
  }
  if (notify) {
    process.env.NOTIFY_SOCKET = notifyPath;
    if (options.sam.interval > 0) process.env.WATCHDOG_USEC = String(options.sam.interval * 1000);
  }
  const sam = await withPlugins(options);
  const log = eventLogger(options.log);
  const probing = options.probe && probeInstances(options.probe, options.sam.interval, () => supervision);
  const onEvent = probing ? (event: ForkSupervisorEvent) => (log?.(event), probing(event)) : log;
  supervision = await startSupervision({ command: options.command, args: options.args, sam, onEvent });
  return supervision.done;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`samctl: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`samctl: ${SamError.isInstance(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
