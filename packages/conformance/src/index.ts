export { backendSuite, type BackendSuiteOptions, type SuiteTest } from "./backend-suite.js";
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
