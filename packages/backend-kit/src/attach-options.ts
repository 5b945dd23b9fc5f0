import type { BackendCapabilities } from "./define-backend.js";

/** How attachInstanceChannel() attaches an instance to its supervisor. */
export interface AttachOptions {
  /** The supervisor's PID, for messages. */
  supervisorPid: number;
  /** The backend's name, for messages, e.g. `@samkit/backend-fork`. */
  backendName: string;
  /** Called when the supervisor is gone; the default ends this process. */
  onSupervisorLost?: (() => void) | undefined;
  /** What the backend's supervisor does beyond the protocol's core. */
  capabilities: BackendCapabilities;
  /**
   * Started as a warm spare: the welcome comes only when the supervisor promotes this process,
   * so the wait for it is used to run once what the welcome sets going (see rehearse).
   */
  parked?: boolean;
  /**
   * The descriptor of a data file from the supervisor (see data-file.ts): dataStore() writes the
   * data there, sends a dataStored frame and returns, with no round trip; the supervisor reads the
   * file once this process is gone.
   */
  dataFile?: number | undefined;
}
