/**
 * The shape every samkit backend shares: one marker variable tells an instance from a process that
 * is to become the supervisor; register() takes the process's one registration, then attaches an
 * instance to its supervisor over the channel, or hands the process to the backend's supervisor.
 */
import { specificationVersion, type InstanceRegistration, type ProcessRole, type RegisterRequest, type SupervisionBackend } from "@samkit/core";
import { attachInstanceChannel } from "./instance-channel.js";
import { claimRegistration, instanceMarker } from "./instance-marker.js";
import { entryCommand, type EntryCommand } from "./entry-command.js";

/** What a backend's supervisor does beyond the protocol's core; declared once per backend. */
export interface BackendCapabilities {
  /**
   * The supervisor takes an exit notice: the instance's `exit` event writes its exit code on the
   * channel, so the supervisor acts on the exit without waiting out Node's tear-down.
   */
  readonly exitNotice: boolean;
  /** Heartbeats carry their send time (the supervisor runs on the same machine and reads it). */
  readonly timedHeartbeats: boolean;
  /** The supervisor runs event-driven health checks itself and pings the instance. */
  readonly supervisorHealthChecks: boolean;
  /** markFailed() waits for the supervisor's answer (libsam can refuse it) instead of firing and forgetting. */
  readonly markFailedReplies: boolean;
}

export interface BackendDefinition {
  /** A short name for logs and errors, e.g. `fork`. */
  readonly name: string;
  /** The npm name, for messages, e.g. `@samkit/backend-fork`. */
  readonly packageName: string;
  /** The environment variable the supervisor marks its instances with (`<fd>:<supervisor pid>...`). */
  readonly markerVariable: string;
  readonly capabilities: BackendCapabilities;
  /** In an instance, called when the supervisor is gone; default: a line on stderr and exit code 1. */
  readonly onSupervisorLost?: (() => void) | undefined;
  /**
   * Makes this process the supervisor of `entry` (this script, run again for each instance). The
   * returned promise may settle only when the process is to exit; register() never resolves here.
   */
  supervise(request: RegisterRequest, entry: EntryCommand): Promise<unknown>;
}

/** A SupervisionBackend from its definition. Call instanceMarker(markerVariable) when the module loads. */
export function defineBackend(definition: BackendDefinition): SupervisionBackend {
  const { packageName, markerVariable, capabilities } = definition;
  return {
    specificationVersion,
    name: definition.name,
    role(): ProcessRole {
      return instanceMarker(markerVariable) ? "instance" : "supervisor";
    },
    async register(request: RegisterRequest): Promise<InstanceRegistration> {
      const marker = claimRegistration(markerVariable, packageName);
      if (marker) {
        return attachInstanceChannel(marker.fd, {
          supervisorPid: marker.supervisorPid,
          backendName: packageName,
          onSupervisorLost: definition.onSupervisorLost,
          capabilities,
          parked: marker.spare,
          dataFile: marker.dataFd,
        });
      }
      await definition.supervise(request, entryCommand(packageName));
      // In the supervisor, register() never resolves: the code after it belongs to instances.
      return new Promise<never>(() => {});
    },
  };
}
