/**
 * Hands this process over to sam-agent to run any command under libsam (`samctl run --backend
 * native`): the command becomes libsam's instance, through the relay, and this PID libsam's server.
 */
import { SamError, resolveOptions, type SamOptions } from "@samkit/core";
import { agentArguments } from "./agent-arguments.js";
import { loadNative } from "./load-native.js";
import { inheritedDescriptors } from "./native-backend.js";
import type { ExecBinding } from "./native-binding.js";

export interface ExecUnderLibsamOptions {
  command: string;
  args?: readonly string[];
  sam: SamOptions;
  events?: { fd: number; prefix?: string };
  agentPath?: string;
  binding?: ExecBinding;
}

/** Never returns: the process becomes sam-agent (or this throws a SamError saying why not). */
export function execUnderLibsam(options: ExecUnderLibsamOptions): never {
  if (typeof options.command !== "string" || options.command === "") throw new SamError("CS_ERR_INVALID_PARAM", "@samkit/backend-native: execUnderLibsam() needs a command to run");
  const resolved = resolveOptions(options.sam);
  const { agentPath, binding } = loadNative({ agentPath: options.agentPath, binding: options.binding });
  const argv = agentArguments({
    agentPath,
    options: resolved,
    warnSignal: resolved.warnSignal,
    entry: { command: options.command, args: [...(options.args ?? [])] },
    dataFd: undefined,
    healthCheckTimeout: undefined,
    events: options.events,
  });
  const env = Object.entries(process.env).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`]));
  const inherit = inheritedDescriptors(undefined);
  if (options.events && !inherit.includes(options.events.fd)) inherit.push(options.events.fd);
  try {
    return binding.execve(agentPath, argv, env, inherit);
  } catch (error) {
    throw new SamError("CS_ERR_LIBRARY", `@samkit/backend-native: cannot hand this process over to ${agentPath}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
