/**
 * The command line that turns this process into sam-agent: libsam's options, then the instance's
 * command (this very entry again). QUORUM and CMAP become libsam's own policy flags: libsam then
 * talks to corosync itself.
 */
import { SamError, corosyncPlugin, signalNumber, type ResolvedOptions, type SignalName } from "@samkit/core";
import type { EntryCommand } from "@samkit/backend-kit";

export interface AgentArgumentsInput {
  agentPath: string;
  options: ResolvedOptions;
  warnSignal: SignalName;
  entry: EntryCommand;
  /** The descriptor holding the data stored before register(), if any. */
  dataFd: number | undefined;
  /** Milliseconds the relay waits for a health-check answer; default: the agent's (interval / 2). */
  healthCheckTimeout: number | undefined;
  /** Where the agent writes its events as JSON lines, each after `prefix`. */
  events: { fd: number; prefix?: string } | undefined;
}

/** A plugin of @samkit/quorum-corosync, whose work libsam's own flag does. */
function isCorosyncPlugin(plugin: object): boolean {
  return (plugin as { [corosyncPlugin]?: unknown })[corosyncPlugin] === true;
}

export function agentArguments(input: AgentArgumentsInput): string[] {
  const { options } = input;
  if (options.store) {
    throw new SamError("CS_ERR_NOT_SUPPORTED", `@samkit/backend-native: libsam keeps the data in its server's memory, so a DataStore (${options.store.name}) cannot be used here; use @samkit/backend-fork for a durable store`);
  }
  if (options.quorum && !isCorosyncPlugin(options.quorum)) {
    throw new SamError("CS_ERR_NOT_SUPPORTED", `@samkit/backend-native: libsam only knows corosync's quorum; the quorum source ${JSON.stringify(options.quorum.name)} needs @samkit/backend-fork (or use corosyncQuorum() from @samkit/quorum-corosync)`);
  }
  if (options.cmap && !isCorosyncPlugin(options.cmap)) {
    throw new SamError("CS_ERR_NOT_SUPPORTED", `@samkit/backend-native: libsam only publishes to corosync's CMAP; the state publisher ${JSON.stringify(options.cmap.name)} needs @samkit/backend-fork (or use corosyncCmap() from @samkit/quorum-corosync)`);
  }
  if (options.restartLimit || options.backoff || options.noRestartExitCode !== undefined) {
    throw new SamError("CS_ERR_NOT_SUPPORTED", "@samkit/backend-native: libsam restarts at once and without limit; restartLimit, backoff and noRestartExitCode need @samkit/backend-fork");
  }
  const args = [input.agentPath, "--interval", String(options.interval), "--recovery", options.recovery];
  if (options.quorum) args.push("--quorum");
  if (options.cmap) args.push("--cmap");
  args.push("--warn-signal", String(signalNumber(input.warnSignal)), "--max-data-size", String(options.maxDataSize));
  if (input.dataFd !== undefined) args.push("--data-fd", String(input.dataFd));
  if (input.healthCheckTimeout !== undefined) args.push("--hc-timeout", String(input.healthCheckTimeout));
  if (input.events) args.push("--events-fd", String(input.events.fd), "--events-prefix", input.events.prefix ?? "");
  args.push("--", input.entry.command, ...input.entry.args);
  return args;
}
