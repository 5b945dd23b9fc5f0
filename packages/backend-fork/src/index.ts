export { forkBackend, type ForkBackendOptions } from "./fork-backend.js";
export type { ForkSupervisorEvent } from "./supervisor-events.js";
export { superviseCommand, startSupervision, type SuperviseCommandOptions, type Supervision } from "./supervise-command.js";
export type { ExternalMessage, SupervisorStatus } from "./supervisor-events.js";
