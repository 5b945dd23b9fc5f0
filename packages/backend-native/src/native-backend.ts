import { SamError, type SupervisionBackend } from "@samkit/core";
import { checkOptionKeys, defineBackend, instanceEnvironment, instanceMarker } from "@samkit/backend-kit";
import { agentArguments } from "./agent-arguments.js";
import { loadNative } from "./load-native.js";
import type { ExecBinding } from "./native-binding.js";

/** `SAMKIT_NATIVE_CHANNEL=<fd>:<relay pid>`, set by the relay for the Node instance. */
export const markerVariable = "SAMKIT_NATIVE_CHANNEL";
const identity = {
  name: "native",
  packageName: "@samkit/backend-native",
  markerVariable,
  // libsam's own thread runs event-driven checks, and sam_mark_failed can be refused.
  capabilities: { exitNotice: false, timedHeartbeats: false, supervisorHealthChecks: true, markFailedReplies: true },
};

// Read (and removed from the environment) as soon as the backend loads.
instanceMarker(markerVariable);

export interface NativeBackendOptions {
  /** The sam-agent executable; default: the one this package built. */
  agentPath?: string;
  /** The execve addon; tests inject their own. Default: the one this package built. */
  binding?: ExecBinding;
  /** Milliseconds the relay waits for the answer to a health-check ping; default interval / 2. */
  healthCheckTimeout?: number;
  /** In an instance, called when the relay (and so libsam) is gone. Default: a line on stderr and exit 1. */
  onSupervisorLost?: () => void;
  /**
   * The agent writes what the supervisor does as JSON lines to this descriptor (1 is standard
   * output), each after `prefix`: `spawn`, `signal` (every kill libsam makes, at that moment),
   * `exit`, `quit`, `error`, with a wall-clock `time` in milliseconds.
   */
  events?: { fd: number; prefix?: string };
}

function validate(options: NativeBackendOptions): void {
  const invalid = checkOptionKeys("@samkit/backend-native", "nativeBackend", options, ["agentPath", "binding", "healthCheckTimeout", "onSupervisorLost", "events"]);
  if (options.agentPath !== undefined && (typeof options.agentPath !== "string" || options.agentPath === "")) throw invalid("options.agentPath must be a path");
  if (options.onSupervisorLost !== undefined && typeof options.onSupervisorLost !== "function") throw invalid("options.onSupervisorLost must be a function");
  const { events } = options;
  if (events !== undefined && (typeof events !== "object" || events === null || !Number.isInteger(events.fd) || events.fd < 0 || (events.prefix !== undefined && typeof events.prefix !== "string"))) {
    throw invalid("options.events must be { fd: <descriptor>, prefix?: <text> }");
  }
  const timeout = options.healthCheckTimeout;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 2_147_483_647)) {
    throw invalid(`options.healthCheckTimeout must be an integer number of milliseconds from 1; got ${String(timeout)}`);
  }
}

/**
 * What the agent, and after it each instance, must inherit: standard I/O, the data, and the sockets
 * systemd passed to this very process (socket activation: LISTEN_PID, LISTEN_FDS from fd 3).
 */
export function inheritedDescriptors(dataFd: number | undefined, env: NodeJS.ProcessEnv = process.env, pid = process.pid): number[] {
  const descriptors = [0, 1, 2];
  const listening = Number(env.LISTEN_FDS);
  if (env.LISTEN_PID === String(pid) && Number.isInteger(listening) && listening > 0 && listening < 1000) {
    for (let fd = 3; fd < 3 + listening; fd++) descriptors.push(fd);
  }
  if (dataFd !== undefined) descriptors.push(dataFd);
  return descriptors;
}

/**
 * Supervision by the real corosync libsam. register() in an unsupervised process hands the process
 * over to sam-agent with execve, keeping its PID: the agent is libsam's server, and its libsam child
 * (the relay) runs this entry again as the instance, calling the real sam_* functions for it.
 */
export function nativeBackend(options: NativeBackendOptions = {}): SupervisionBackend {
  validate(options);
  return defineBackend({
    ...identity,
    onSupervisorLost: options.onSupervisorLost,
    async supervise(request, entry) {
      const { agentPath, binding } = loadNative({ agentPath: options.agentPath, binding: options.binding });
      const dataFd = request.data && request.data.byteLength > 0 ? binding.dataDescriptor(request.data) : undefined;
      const argv = agentArguments({
        agentPath,
        options: request.options,
        warnSignal: request.warnSignal,
        entry,
        dataFd,
        healthCheckTimeout: options.healthCheckTimeout,
        events: options.events,
      });
      // The quorum source was connected by initialize() to check corosync early; libsam connects itself.
      await request.options.quorum?.close();
      const env = Object.entries(instanceEnvironment()).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`]));
      // The addon, on every Node version: process.execve (Node 23.11 and later) would do the same job.
      try {
        const inherit = inheritedDescriptors(dataFd);
        if (options.events && !inherit.includes(options.events.fd)) inherit.push(options.events.fd);
        binding.execve(agentPath, argv, env, inherit);
      } catch (error) {
        throw new SamError("CS_ERR_LIBRARY", `@samkit/backend-native: cannot hand this process over to ${agentPath}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      // An injected binding may return (tests): this process is then still not supervised.
    },
  });
}
