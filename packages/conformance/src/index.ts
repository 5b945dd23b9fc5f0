export { backendSuite, type BackendSuiteOptions, type SuiteTest } from "./backend-suite.js";
export { corosyncBackendSuite, corosyncUnavailableReason, type CorosyncSuiteOptions } from "./corosync-backend-suite.js";
export { quorumSourceSuite, type QuorumSourceFixture, type QuorumSourceSuiteOptions } from "./quorum-source-suite.js";
export { dataStoreSuite, type DataStoreFixture, type DataStoreSuiteOptions } from "./data-store-suite.js";
export type { BackendFactory, BackendHooks, ConformanceEvent } from "./backend-factory.js";
export {
  runScenario,
  startScenario,
  scenarioRunnerPath,
  processGone,
  type RunningScenario,
  type ScenarioRecord,
  type ScenarioRun,
  type StartScenarioOptions,
} from "./run-scenario.js";
export type { Scenario, ScenarioContext } from "./scenario-context.js";
export { scenarios } from "./scenarios/index.js";
export {
  testCorosyncAvailability,
  startTestCorosync,
  stopTestCorosync,
  setTestQuorate,
  setTestExpectedVotes,
  testQuorate,
  cmapGet,
  cmapKeys,
  cmapDeletePrefix,
  testClusterName,
  corosyncLogFile,
  type CorosyncAvailability,
} from "./test-corosync.js";
