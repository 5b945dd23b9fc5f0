export { forkBackend, type ForkBackendOptions } from "./fork-backend.js";
export type { ForkSupervisorEvent } from "./supervisor-events.js";
export { superviseCommand, type SuperviseCommandOptions } from "./supervise-command.js";
