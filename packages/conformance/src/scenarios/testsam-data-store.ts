import type { Scenario } from "../scenario-context.js";

const pattern = (length: number, offset: number) => Uint8Array.from({ length }, (_, index) => (index + offset) & 0xff);
const equal = (a: Uint8Array | null, b: Uint8Array) => a !== null && a.byteLength >= b.byteLength && b.every((value, index) => a[index] === value);

/**
 * testsam test_data_store_restore (testsam.c:294-541). The C calls with a NULL out-parameter map to
 * the JavaScript calls with a wrong argument: both are refused before the state is checked.
 */
export const dataStoreRestore: Scenario = {
  name: "data_store/restore",
  testsam: "test_data_store_restore",
  expectedExitCode: 0,
  async run({ sam, check, expectError, report }) {
    const saved = pattern(128, 5);
    await expectError("CS_ERR_BAD_HANDLE", () => sam.dataGetSize(), "dataGetSize() before initialize()");
    await expectError("CS_ERR_INVALID_PARAM", () => sam.dataRestore("not a buffer" as unknown as Uint8Array), "dataRestore(<not a buffer>) before initialize()");
    await expectError("CS_ERR_BAD_HANDLE", () => sam.dataStore(null), "dataStore(null) before initialize()");
    await expectError("CS_ERR_BAD_HANDLE", () => sam.dataRestore(new Uint8Array(128)), "dataRestore(128 bytes) before initialize()");

    await sam.initialize({ interval: 0, recovery: "restart" });
    check(sam.instanceId === undefined, "instanceId is set before register()");
    check(sam.dataGetSize() === 0, `dataGetSize() after initialize() is ${sam.dataGetSize()}, expected 0`);
    await expectError("CS_ERR_INVALID_PARAM", () => sam.dataRestore(128 as unknown as Uint8Array), "dataRestore(<a number>)");
    await sam.dataStore(saved);
    check(sam.dataGetSize() === 128, `dataGetSize() is ${sam.dataGetSize()} after storing 128 bytes`);
    await expectError("CS_ERR_INVALID_PARAM", () => sam.dataRestore(new Uint8Array(127)), "dataRestore() into 127 bytes");
    check(equal(sam.dataRestore(new Uint8Array(128)), saved), "dataRestore() into 128 bytes gave other bytes");
    await sam.dataStore(null);
    check(sam.dataGetSize() === 0, "dataStore(null) did not delete the data");
    await sam.dataStore(saved);

    const instanceId = await sam.register();
    report("instance", { instanceId, size: sam.dataGetSize() });
    if (instanceId === 1) {
      await sam.start();
      check(sam.dataGetSize() === 128, `instance 1 sees ${sam.dataGetSize()} bytes, expected the supervisor's 128`);
      check(equal(sam.dataRestore(new Uint8Array(128)), saved), "instance 1 restored other bytes than were stored before register()");
      await sam.dataStore(pattern(121, -5));
      process.exit(1);
    }
    if (instanceId === 2) {
      await sam.start();
      check(sam.dataGetSize() === 121, `instance 2 sees ${sam.dataGetSize()} bytes, expected 121`);
      check(equal(sam.dataRestore(new Uint8Array(128)), pattern(121, -5)), "instance 2 restored other bytes than instance 1 stored");
      await sam.dataStore(null);
      process.exit(1);
    }
    check(instanceId === 3, `unexpected instance ${instanceId}`);
    check(sam.dataGetSize() === 0, `instance 3 sees ${sam.dataGetSize()} bytes, expected 0 after instance 2 deleted the data`);
    check(sam.dataRestore() === null, "instance 3 restored data after it was deleted");
  },
};
