import type { SupervisionBackend } from "@samkit/core";
import { checkOptionKeys, defineBackend, instanceMarker } from "@samkit/backend-kit";
import { markerVariable } from "./marker-variable.js";
import type { ForkSupervisorEvent } from "./supervisor-events.js";

export interface ForkBackendOptions {
  /** Observes what the supervisor does (spawn, signal, exit, quorum, quit, error). Runs in the supervisor. */
  onEvent?: (event: ForkSupervisorEvent) => void;
  /**
   * Milliseconds from the warn signal to SIGKILL when the supervisor is asked to stop (SIGTERM,
   * SIGINT) or quorum is lost, and the interval is 0. With an interval, one interval. Default 5000.
   */
  killTimeout?: number;
  /**
   * In an instance, called when the supervisor dies. Default: a line on stderr and exit code 1, so
   * no instance runs on unsupervised.
   */
  onSupervisorLost?: () => void;
  /**
   * In the supervisor, called with the exit code instead of process.exit(), for embedding and
   * tests. register() still never resolves.
   */
  exit?: (exitCode: number) => void;
  /**
   * Warm standby: the supervisor keeps one spare instance started and parked inside register().
   * When the active instance ends and is restarted, the spare is promoted at once (it gets the
   * instance id, the data and the warn signal in its welcome), so a restart costs no Node start-up;
   * a new spare is started in the background. The spare runs the entry script up to register(),
   * so keep side effects after it. Default false.
   */
  standby?: boolean;
  /**
   * Start each instance through samkit-guard, so that nothing it starts outlives it or a killed
   * supervisor (Linux, where the part is prebuilt or built; elsewhere instances are started
   * directly). Default true.
   */
  guard?: boolean;
}

const identity = {
  name: "fork",
  packageName: "@samkit/backend-fork",
  markerVariable,
  // The supervisor is a Node process on this machine: it takes exit notices and reads send times.
  capabilities: { exitNotice: true, timedHeartbeats: true, supervisorHealthChecks: false, markFailedReplies: false },
};

// Read (and removed from the environment) as soon as the backend loads.
instanceMarker(markerVariable);

function validate(options: ForkBackendOptions): void {
  const invalid = checkOptionKeys("@samkit/backend-fork", "forkBackend", options, ["onEvent", "killTimeout", "onSupervisorLost", "exit", "standby", "guard"]);
  for (const key of ["onEvent", "onSupervisorLost", "exit"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "function") throw invalid(`options.${key} must be a function`);
  }
  for (const key of ["standby", "guard"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "boolean") throw invalid(`options.${key} must be true or false; got ${String(options[key])}`);
  }
  const { killTimeout } = options;
  if (killTimeout !== undefined && (typeof killTimeout !== "number" || !Number.isInteger(killTimeout) || killTimeout < 0 || killTimeout > 2_147_483_647)) {
    throw invalid(`options.killTimeout must be an integer number of milliseconds from 0 to 2147483647; got ${String(killTimeout)}`);
  }
}

/**
 * Pure Node supervision: the process that calls register() becomes the supervisor and keeps its
 * PID; each instance runs the same entry script again, linked by an inherited channel.
 */
export function forkBackend(options: ForkBackendOptions = {}): SupervisionBackend {
  validate(options);
  return defineBackend({
    ...identity,
    onSupervisorLost: options.onSupervisorLost,
    async supervise(request, entry) {
      // Loaded here, not at the top: an instance never needs the supervisor's code (or
      // child_process), and every millisecond of its start-up is a millisecond of each restart.
      const { ForkSupervisor } = await import("./supervisor.js");
      const supervisor = new ForkSupervisor({
        options: request.options,
        data: request.data,
        warnSignal: request.warnSignal,
        entry,
        killTimeout: options.killTimeout,
        onEvent: options.onEvent,
        standby: options.standby,
        guard: options.guard,
      });
      const exitCode = await supervisor.run();
      (options.exit ?? ((code: number) => process.exit(code)))(exitCode);
    },
  });
}
