import type { Scenario } from "../scenario-context.js";
import { basics } from "./testsam-basics.js";
import { signal } from "./testsam-signal.js";
import { smoke } from "./testsam-smoke.js";
import { dataStoreRestore } from "./testsam-data-store.js";
import { hc } from "./testsam-hc.js";
import { warnSignal } from "./testsam-warn-signal.js";
import { finalizeDeadlock } from "./testsam-finalize-deadlock.js";
import { busyLoop, healthCheckBlocks, healthCheckFails, healthCheckHangs, ignoresWarning } from "./hang-detection.js";
import { apiMisuse } from "./api-misuse.js";
import { crashLoop, failedForGood } from "./restart-policy.js";
import { channelGarbage, crashStorm, forksAndDies, heartbeatFlood, ignoresEverything } from "./faults.js";
import { corosyncRestart, dataStoreWhileWaiting, quorum, quorumTiming } from "./testsam-quorum.js";
import { cmapQuit, cmapRestart } from "./testsam-cmap.js";
import { exitWhileStartedQuit, exitWhileStopped, healthyUntilStopped, healthyUntilToldToHang, markFailed, markFailedThenExit, signalWhileStopped } from "./supervisor-lifecycle.js";

/** Every scenario by name; the runner looks them up here. */
export const scenarios: ReadonlyMap<string, Scenario> = new Map(
  [
    basics,
    signal,
    smoke,
    dataStoreRestore,
    hc,
    warnSignal,
    finalizeDeadlock,
    busyLoop,
    healthCheckFails,
    healthCheckHangs,
    healthCheckBlocks,
    ignoresWarning,
    healthyUntilStopped,
    exitWhileStopped,
    exitWhileStartedQuit,
    signalWhileStopped,
    markFailed,
    markFailedThenExit,
    healthyUntilToldToHang,
    apiMisuse,
    crashLoop,
    crashStorm,
    channelGarbage,
    forksAndDies,
    heartbeatFlood,
    ignoresEverything,
    failedForGood,
    quorum,
    quorumTiming,
    dataStoreWhileWaiting,
    corosyncRestart,
    cmapQuit,
    cmapRestart,
  ].map((scenario) => [scenario.name, scenario]),
);
