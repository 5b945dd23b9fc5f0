/**
 * Runs one scenario in this process: `scenario-runner <backend module> <scenario> [interval]`.
 * Like testsam's run_test: the scenario's result becomes the exit code of the instance, after
 * finalize(), and the supervisor's exit code is the verdict.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createSam } from "@samkit/core";
import { createContext, reportMarker, ScenarioFailure, type ScenarioPlugins } from "./scenario-context.js";
import { scenarios } from "./scenarios/index.js";
import type { BackendFactory } from "./backend-factory.js";

const usage = "usage: scenario-runner <backend factory module> <scenario name> [interval ms] [scenario arguments...]";

async function main(): Promise<number> {
  const [moduleSpecifier, name, intervalText = "300", ...args] = process.argv.slice(2);
  const scenario = name === undefined ? undefined : scenarios.get(name);
  const interval = Number(intervalText);
  if (moduleSpecifier === undefined || scenario === undefined || !Number.isInteger(interval) || interval <= 0) {
    process.stderr.write(`${usage}\nscenarios: ${[...scenarios.keys()].join(", ")}\n`);
    return 2;
  }
  // A path (absolute, or relative to the working folder, as a shell user means it) or a package name.
  const url = isAbsolute(moduleSpecifier) || /^\.\.?\//.test(moduleSpecifier) ? pathToFileURL(resolve(moduleSpecifier)).href : moduleSpecifier;
  const factoryModule = (await import(url)) as { default: BackendFactory } & ScenarioPlugins;
  const factory = factoryModule.default;
  const backend = await factory({
    onEvent(event) {
      process.stdout.write(`${reportMarker}${JSON.stringify({ ...event, event: `supervisor-${event.type}`, pid: process.pid })}\n`);
    },
  });
  const sam = createSam({ backend });
  const context = createContext(sam, interval, backend.role(), args, {
    quorumSource: factoryModule.quorumSource,
    statePublisher: factoryModule.statePublisher,
  });
  let exitCode = 0;
  try {
    await scenario.run(context);
    context.report("passed");
  } catch (error) {
    exitCode = 1;
    const message = error instanceof ScenarioFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    context.report("failed", { message });
    process.stderr.write(`scenario ${scenario.name} failed in PID ${process.pid}: ${message}\n`);
  }
  // testsam: err = test_func(); sam_finalize(); exit(err). finalize() stops a started instance first.
  try {
    await sam.finalize();
  } catch {
    // Already finalized (or never initialized): as in testsam, the error is ignored.
  }
  return exitCode;
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    process.stderr.write(`scenario-runner: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
