export { createSam, type CreateSamOptions, type Sam, type SamState } from "./create-sam.js";
export { openSupervisorPlugins } from "./supervisor-plugins.js";
export {
  SamError,
  csErrors,
  csErrorName,
  samErrorFromSystemError,
  type CsErrorName,
  type SamErrorOptions,
} from "./sam-error.js";
export { parseSignal, signalName, signalNumber, describe, type SignalName } from "./signals.js";
export {
  resolveOptions,
  validateInterval,
  validateRecovery,
  defaultMaxDataSize,
  maxInterval,
  type RecoveryPolicy,
  type ResolvedOptions,
  type SamOptions,
} from "./options.js";
export { specificationVersion, assertPlugin, corosyncPlugin, type SpecificationVersion } from "./contracts/specification-version.js";
export type { QuorumSource } from "./contracts/quorum-source.js";
export type { DataStore } from "./contracts/data-store.js";
export type { StatePublisher, PublishedState } from "./contracts/state-publisher.js";
export type {
  SupervisionBackend,
  InstanceLink,
  InstanceRegistration,
  RegisterRequest,
  ProcessRole,
} from "./contracts/supervision-backend.js";
export { PolicyEngine } from "./policy/policy-engine.js";
export { policyStep, initialPolicyState, nextDeadline, rearmedDeadline, exitCodeOf, defaultKillTimeout, backoffDelay, restartLimitExitCode } from "./policy/policy-step.js";
export type {
  Backoff,
  RestartLimit,
  PolicyAction,
  PolicyConfig,
  PolicyEvent,
  PolicyState,
  PolicyStep,
  InstanceMessage,
  SupervisorPhase,
} from "./policy/policy-types.js";
export { HealthCheckLoop, type HealthCheckCallback, type HealthCheckStatus, type IntervalTimers } from "./health-check-loop.js";
export { memoryDataStore, type MemoryDataStore } from "./reference/memory-data-store.js";
export { manualQuorumSource, type ManualQuorumSource } from "./reference/manual-quorum-source.js";
export { memoryStatePublisher, type MemoryStatePublisher, type PublishedRecord } from "./reference/memory-state-publisher.js";
