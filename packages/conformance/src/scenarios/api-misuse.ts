import type { Sam, SamState } from "@samkit/core";
import type { Scenario, ScenarioContext } from "../scenario-context.js";

interface StateCall {
  name: string;
  call: (sam: Sam) => unknown;
  /** The states in which the call is allowed; in every other state it gives CS_ERR_BAD_HANDLE. */
  allowed: readonly SamState[];
}

interface BadCall {
  name: string;
  call: (sam: Sam) => unknown;
  code: string;
}

const valid = { interval: 300, recovery: "quit" as const, maxDataSize: 1024 };
const healthy = () => true;

/** Every public call with good arguments, and the states it needs (libsam's table, section 1.4). */
const stateCalls: readonly StateCall[] = [
  { name: "initialize(valid)", call: (sam) => sam.initialize(valid), allowed: ["NOT_INITIALIZED"] },
  { name: "register()", call: (sam) => sam.register(), allowed: ["INITIALIZED"] },
  { name: "start()", call: (sam) => sam.start(), allowed: ["REGISTERED"] },
  { name: "stop()", call: (sam) => sam.stop(), allowed: ["STARTED"] },
  { name: "hcSend()", call: (sam) => sam.hcSend(), allowed: ["STARTED"] },
  { name: "hcCallbackRegister(fn)", call: (sam) => sam.hcCallbackRegister(healthy), allowed: ["REGISTERED"] },
  { name: "warnSignalSet('SIGTERM')", call: (sam) => sam.warnSignalSet("SIGTERM"), allowed: ["INITIALIZED", "REGISTERED", "STARTED"] },
  { name: "dataStore(bytes)", call: (sam) => sam.dataStore(new Uint8Array(8)), allowed: ["INITIALIZED", "REGISTERED", "STARTED"] },
  { name: "dataStore(null)", call: (sam) => sam.dataStore(null), allowed: ["INITIALIZED", "REGISTERED", "STARTED"] },
  { name: "dataGetSize()", call: (sam) => sam.dataGetSize(), allowed: ["INITIALIZED", "REGISTERED", "STARTED"] },
  { name: "dataRestore()", call: (sam) => sam.dataRestore(), allowed: ["INITIALIZED", "REGISTERED", "STARTED"] },
  // Called only where it is refused: where it is allowed it kills the instance.
  { name: "markFailed()", call: (sam) => sam.markFailed(), allowed: ["REGISTERED", "STARTED"] },
  { name: "finalize()", call: (sam) => sam.finalize(), allowed: ["INITIALIZED", "REGISTERED", "STARTED"] },
];

const wrongVersion = { specificationVersion: "v0", name: "old", connect() {}, isQuorate() {}, onChange() {}, close() {} };
const incomplete = { specificationVersion: "v1", name: "half", connect() {} };

/** Bad arguments, refused in every state before the state is checked. */
const badCalls: readonly BadCall[] = [
  ...[-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "300", null, 2 ** 31, -0.5].map((interval) => ({
    name: `initialize({ interval: ${String(interval)} })`,
    call: (sam: Sam) => sam.initialize({ ...valid, interval: interval as number }),
    code: "CS_ERR_INVALID_PARAM",
  })),
  ...["reboot", "", 1, null, undefined].map((recovery) => ({
    name: `initialize({ recovery: ${JSON.stringify(recovery)} })`,
    call: (sam: Sam) => sam.initialize({ ...valid, recovery: recovery as "quit" }),
    code: "CS_ERR_INVALID_PARAM",
  })),
  { name: "initialize({ warnSignal: 'SIGFOO' })", call: (sam) => sam.initialize({ ...valid, warnSignal: "SIGFOO" as "SIGTERM" }), code: "CS_ERR_INVALID_PARAM" },
  { name: "initialize({ warnSignal: 0 })", call: (sam) => sam.initialize({ ...valid, warnSignal: 0 }), code: "CS_ERR_INVALID_PARAM" },
  { name: "initialize({ intervall: 300 })", call: (sam) => sam.initialize({ ...valid, intervall: 300 } as typeof valid), code: "CS_ERR_INVALID_PARAM" },
  { name: "initialize({ maxDataSize: -1 })", call: (sam) => sam.initialize({ ...valid, maxDataSize: -1 }), code: "CS_ERR_INVALID_PARAM" },
  { name: "initialize(null)", call: (sam) => sam.initialize(null as unknown as typeof valid), code: "CS_ERR_INVALID_PARAM" },
  { name: "initialize('fast')", call: (sam) => sam.initialize("fast" as unknown as typeof valid), code: "CS_ERR_INVALID_PARAM" },
  { name: "initialize({ quorum: <v0 plugin> })", call: (sam) => sam.initialize({ ...valid, quorum: wrongVersion as never }), code: "CS_ERR_VERSION" },
  { name: "initialize({ quorum: <incomplete plugin> })", call: (sam) => sam.initialize({ ...valid, quorum: incomplete as never }), code: "CS_ERR_INVALID_PARAM" },
  ...["SIGFOO", 0, -1, 1.5, Number.NaN, null, {}, ""].map((signal) => ({
    name: `warnSignalSet(${JSON.stringify(signal) ?? String(signal)})`,
    call: (sam: Sam) => sam.warnSignalSet(signal as "SIGTERM"),
    code: "CS_ERR_INVALID_PARAM",
  })),
  ...["text", 42, [1, 2, 3], {}, undefined].map((data) => ({
    name: `dataStore(${JSON.stringify(data) ?? "undefined"})`,
    call: (sam: Sam) => sam.dataStore(data as unknown as Uint8Array),
    code: "CS_ERR_INVALID_PARAM",
  })),
  ...["text", 5, {}].map((into) => ({
    name: `dataRestore(${JSON.stringify(into)})`,
    call: (sam: Sam) => sam.dataRestore(into as unknown as Uint8Array),
    code: "CS_ERR_INVALID_PARAM",
  })),
  ...["text", 42, {}].map((callback) => ({
    name: `hcCallbackRegister(${JSON.stringify(callback)})`,
    call: (sam: Sam) => sam.hcCallbackRegister(callback as unknown as () => boolean),
    code: "CS_ERR_INVALID_PARAM",
  })),
];

async function checkState(context: ScenarioContext, state: SamState, counts: { checks: number }): Promise<void> {
  const { sam, check, expectError } = context;
  check(sam.state === state, `expected state ${state}, is ${sam.state}`);
  for (const { name, call, allowed } of stateCalls) {
    if (allowed.includes(state)) continue;
    await expectError("CS_ERR_BAD_HANDLE", () => call(sam), `${name} in ${state}`);
    counts.checks++;
  }
  for (const { name, call, code } of badCalls) {
    await expectError(code, () => call(sam), `${name} in ${state}`);
    counts.checks++;
  }
  // libsam checks the size before the state: too much data is CS_ERR_TOO_BIG in every state.
  const limit = state === "NOT_INITIALIZED" ? 64 * 1024 * 1024 : valid.maxDataSize;
  await expectError("CS_ERR_TOO_BIG", () => sam.dataStore(new Uint8Array(limit + 1)), `dataStore(${limit + 1} bytes) in ${state}`);
  counts.checks++;
  check(sam.state === state, `the refused calls changed the state from ${state} to ${sam.state}`);
}

/** Every public call with bad arguments and in every wrong state, in a real instance; checks each SamError code. */
export const apiMisuse: Scenario = {
  name: "bad arguments and wrong states",
  expectedExitCode: 0,
  async run(context) {
    const { sam, check, expectError, report } = context;
    const counts = { checks: 0 };
    await checkState(context, "NOT_INITIALIZED", counts);
    await sam.initialize(valid);
    await checkState(context, "INITIALIZED", counts);
    const instanceId = await sam.register();
    check(instanceId === 1, `unexpected instance ${instanceId}`);
    await checkState(context, "REGISTERED", counts);
    await expectError("CS_ERR_INVALID_PARAM", () => sam.hcCallbackRegister(null), "the first hcCallbackRegister(null)");
    await sam.dataStore(new Uint8Array(16));
    await expectError("CS_ERR_INVALID_PARAM", () => sam.dataRestore(new Uint8Array(15)), "dataRestore() into a buffer smaller than the data");
    await sam.start();
    await checkState(context, "STARTED", counts);
    await sam.finalize();
    await checkState(context, "FINALIZED", counts);
    report("checked", { checks: counts.checks });
  },
};
