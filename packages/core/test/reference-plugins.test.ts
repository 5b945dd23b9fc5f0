import { describe, expect, it } from "vitest";
import {
  SamError,
  manualQuorumSource,
  memoryDataStore,
  memoryStatePublisher,
  resolveOptions,
  specificationVersion,
} from "../src/index.js";
import type { CsErrorName } from "../src/index.js";

async function expectRejection(promise: Promise<unknown>, code: CsErrorName): Promise<SamError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a rejection with ${code}`);
    },
    (reason: unknown) => reason,
  );
  expect(SamError.isInstance(error)).toBe(true);
  expect((error as SamError).code).toBe(code);
  return error as SamError;
}

function expectThrow(action: () => unknown, code: CsErrorName): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(SamError.isInstance(thrown)).toBe(true);
  expect((thrown as SamError).code).toBe(code);
}

describe("memoryDataStore", () => {
  it("is a v1 DataStore named 'memory'", () => {
    const store = memoryDataStore();
    expect(store.specificationVersion).toBe(specificationVersion);
    expect(store.name).toBe("memory");
    expect(() => resolveOptions({ interval: 0, recovery: "quit", store })).not.toThrow();
  });

  it("starts empty", async () => {
    const store = memoryDataStore();
    expect(await store.load()).toBeNull();
    expect(store.peek()).toBeNull();
    expect(store.saves).toBe(0);
  });

  it("round-trips bytes", async () => {
    const store = memoryDataStore();
    await store.save(new Uint8Array([1, 2, 3]));
    expect(await store.load()).toEqual(new Uint8Array([1, 2, 3]));
    expect(store.peek()).toEqual(new Uint8Array([1, 2, 3]));
    expect(store.saves).toBe(1);
    await store.save(new Uint8Array([9]));
    expect(await store.load()).toEqual(new Uint8Array([9]));
    expect(store.saves).toBe(2);
  });

  it("starts with a copy of the initial data", async () => {
    const initial = new Uint8Array([5, 6]);
    const store = memoryDataStore(initial);
    initial[0] = 0;
    expect(await store.load()).toEqual(new Uint8Array([5, 6]));
  });

  it("keeps a copy of what is saved", async () => {
    const store = memoryDataStore();
    const data = new Uint8Array([1, 2, 3]);
    await store.save(data);
    data[0] = 99;
    expect(await store.load()).toEqual(new Uint8Array([1, 2, 3]));
  });

  it("hands out copies: changing what load() or peek() returned changes nothing", async () => {
    const store = memoryDataStore(new Uint8Array([1, 2, 3]));
    const loaded = (await store.load()) as Uint8Array;
    loaded[0] = 42;
    const peeked = store.peek() as Uint8Array;
    peeked[1] = 42;
    expect(await store.load()).toEqual(new Uint8Array([1, 2, 3]));
    expect(await store.load()).not.toBe(await store.load());
  });

  it("stores a Buffer as plain bytes", async () => {
    const store = memoryDataStore();
    await store.save(Buffer.from("hi"));
    const loaded = await store.load();
    expect(loaded).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(loaded as Uint8Array).toString()).toBe("hi");
  });

  it("stores only the bytes of a view, not its whole buffer", async () => {
    const backing = new Uint8Array([0, 1, 2, 3, 4, 5]);
    const store = memoryDataStore();
    await store.save(backing.subarray(2, 4));
    expect(await store.load()).toEqual(new Uint8Array([2, 3]));
  });

  it.each<[string, Uint8Array | null]>([
    ["null", null],
    ["zero bytes", new Uint8Array(0)],
  ])("save(%s) deletes the data (as libsam does)", async (_what, value) => {
    const store = memoryDataStore(new Uint8Array([1]));
    await store.save(value);
    expect(await store.load()).toBeNull();
    expect(store.peek()).toBeNull();
    expect(store.saves).toBe(1);
  });

  it.each<[string, unknown]>([
    ["a string", "bytes"],
    ["an array", [1, 2]],
    ["an ArrayBuffer", new ArrayBuffer(2)],
    ["a DataView", new DataView(new ArrayBuffer(2))],
    ["undefined", undefined],
  ])("save(%s) rejects with CS_ERR_INVALID_PARAM and changes nothing", async (_what, value) => {
    const store = memoryDataStore(new Uint8Array([7]));
    await expectRejection(store.save(value as Uint8Array), "CS_ERR_INVALID_PARAM");
    expect(store.saves).toBe(0);
    expect(await store.load()).toEqual(new Uint8Array([7]));
  });

  it("load() and save() after close() reject with CS_ERR_BAD_HANDLE; close() twice is fine", async () => {
    const store = memoryDataStore(new Uint8Array([1]));
    await store.close();
    await expectRejection(store.load(), "CS_ERR_BAD_HANDLE");
    await expectRejection(store.save(new Uint8Array([2])), "CS_ERR_BAD_HANDLE");
    await expectRejection(store.save(null), "CS_ERR_BAD_HANDLE");
    await expect(store.close()).resolves.toBeUndefined();
    expect(store.saves).toBe(0);
    // peek() is for tests and still shows the last data.
    expect(store.peek()).toEqual(new Uint8Array([1]));
  });

  it("load() after close() rejects rather than throwing synchronously", () => {
    const store = memoryDataStore();
    void store.close();
    const result = store.load();
    expect(result).toBeInstanceOf(Promise);
    return expect(result).rejects.toBeInstanceOf(SamError);
  });
});

describe("manualQuorumSource", () => {
  it("is a v1 QuorumSource named 'manual'", () => {
    const source = manualQuorumSource();
    expect(source.specificationVersion).toBe(specificationVersion);
    expect(source.name).toBe("manual");
    expect(() => resolveOptions({ interval: 0, recovery: "quit", quorum: source })).not.toThrow();
  });

  it("is not quorate before connect(), whatever the state", async () => {
    const source = manualQuorumSource(true);
    expect(source.connected).toBe(false);
    expect(source.isQuorate()).toBe(false);
    await source.connect();
    expect(source.connected).toBe(true);
    expect(source.isQuorate()).toBe(true);
  });

  it.each([true, false])("initially quorate: %s", async (initially) => {
    const source = manualQuorumSource(initially);
    await source.connect();
    expect(source.isQuorate()).toBe(initially);
  });

  it("defaults to quorate", async () => {
    const source = manualQuorumSource();
    await source.connect();
    expect(source.isQuorate()).toBe(true);
  });

  it("notifies every listener of each change, in order, with the new state", async () => {
    const source = manualQuorumSource(true);
    await source.connect();
    const heard: string[] = [];
    source.onChange((quorate) => heard.push(`a:${quorate}`));
    source.onChange((quorate) => heard.push(`b:${quorate}`));
    source.setQuorate(false);
    source.setQuorate(true);
    expect(heard).toEqual(["a:false", "b:false", "a:true", "b:true"]);
    expect(source.isQuorate()).toBe(true);
  });

  it("notifies only on a change", async () => {
    const source = manualQuorumSource(true);
    await source.connect();
    const heard: boolean[] = [];
    source.onChange((quorate) => heard.push(quorate));
    source.setQuorate(true);
    source.setQuorate(false);
    source.setQuorate(false);
    source.setQuorate(true);
    source.setQuorate(true);
    expect(heard).toEqual([false, true]);
  });

  it("does not notify while not connected, but keeps the state", async () => {
    const source = manualQuorumSource(true);
    const heard: boolean[] = [];
    source.onChange((quorate) => heard.push(quorate));
    source.setQuorate(false);
    expect(heard).toEqual([]);
    await source.connect();
    expect(source.isQuorate()).toBe(false);
    source.setQuorate(true);
    expect(heard).toEqual([true]);
  });

  it("the function onChange returns removes the listener (and only that one)", async () => {
    const source = manualQuorumSource(true);
    await source.connect();
    const first: boolean[] = [];
    const second: boolean[] = [];
    const unsubscribe = source.onChange((quorate) => first.push(quorate));
    source.onChange((quorate) => second.push(quorate));
    source.setQuorate(false);
    unsubscribe();
    unsubscribe();
    source.setQuorate(true);
    expect(first).toEqual([false]);
    expect(second).toEqual([false, true]);
  });

  it("a listener that unsubscribes another during a notification does not disturb the current round", async () => {
    const source = manualQuorumSource(true);
    await source.connect();
    const heard: string[] = [];
    let unsubscribeB: () => void = () => {};
    source.onChange((quorate) => {
      heard.push(`a:${quorate}`);
      unsubscribeB();
    });
    unsubscribeB = source.onChange((quorate) => heard.push(`b:${quorate}`));
    source.setQuorate(false);
    source.setQuorate(true);
    expect(heard).toEqual(["a:false", "b:false", "a:true"]);
  });

  it("close(): disconnected, not quorate, no listener called afterwards, no reconnect", async () => {
    const source = manualQuorumSource(true);
    await source.connect();
    const heard: boolean[] = [];
    source.onChange((quorate) => heard.push(quorate));
    await source.close();
    expect(source.connected).toBe(false);
    expect(source.isQuorate()).toBe(false);
    source.setQuorate(false);
    expect(heard).toEqual([]);
    await expectRejection(source.connect(), "CS_ERR_BAD_HANDLE");
    expect(source.connected).toBe(false);
  });

  it.each<[string, unknown]>([
    ["a string", "true"],
    ["a number", 1],
    ["null", null],
    ["undefined", undefined],
  ])("setQuorate(%s) throws CS_ERR_INVALID_PARAM", (_what, value) => {
    const source = manualQuorumSource();
    expectThrow(() => source.setQuorate(value as boolean), "CS_ERR_INVALID_PARAM");
  });

  it.each<[string, unknown]>([
    ["a string", "listener"],
    ["null", null],
    ["an object", {}],
  ])("onChange(%s) throws CS_ERR_INVALID_PARAM", (_what, value) => {
    const source = manualQuorumSource();
    expectThrow(() => source.onChange(value as (quorate: boolean) => void), "CS_ERR_INVALID_PARAM");
  });
});

describe("memoryStatePublisher", () => {
  it("is a v1 StatePublisher named 'memory'", () => {
    const publisher = memoryStatePublisher();
    expect(publisher.specificationVersion).toBe(specificationVersion);
    expect(publisher.name).toBe("memory");
    expect(() => resolveOptions({ interval: 0, recovery: "quit", cmap: publisher })).not.toThrow();
  });

  it("publishes nothing before register()", () => {
    const publisher = memoryStatePublisher();
    expect(publisher.record).toBeUndefined();
    expect(publisher.history).toEqual([]);
    publisher.touch();
    expect(publisher.record).toBeUndefined();
  });

  it("register() writes pid, recovery and poll period, with state 'stopped'", async () => {
    const publisher = memoryStatePublisher();
    await publisher.register({ pid: 1234, recovery: "restart", pollPeriod: 2000 });
    expect(publisher.record).toEqual({ pid: 1234, recovery: "restart", pollPeriod: 2000, state: "stopped", lastUpdated: undefined });
  });

  it("records every state written, in order, and the current one", async () => {
    const publisher = memoryStatePublisher();
    await publisher.register({ pid: 1, recovery: "restart", pollPeriod: 100 });
    await publisher.setState("stopped");
    await publisher.setState("waiting for quorum");
    await publisher.setState("running");
    await publisher.setState("running");
    await publisher.setState("failed");
    expect(publisher.history).toEqual(["stopped", "waiting for quorum", "running", "running", "failed"]);
    expect(publisher.record?.state).toBe("failed");
  });

  it("records states written before register() in the history too", async () => {
    const publisher = memoryStatePublisher();
    await publisher.setState("running");
    expect(publisher.history).toEqual(["running"]);
    expect(publisher.record).toBeUndefined();
  });

  it("setRecovery() rewrites the recovery (markFailed publishes quit)", async () => {
    const publisher = memoryStatePublisher();
    await publisher.setRecovery("quit");
    expect(publisher.record).toBeUndefined();
    await publisher.register({ pid: 1, recovery: "restart", pollPeriod: 100 });
    await publisher.setRecovery("quit");
    expect(publisher.record?.recovery).toBe("quit");
  });

  it("touch() writes a monotonic nanosecond timestamp", async () => {
    const publisher = memoryStatePublisher();
    await publisher.register({ pid: 1, recovery: "quit", pollPeriod: 100 });
    const before = process.hrtime.bigint();
    publisher.touch();
    const first = publisher.record?.lastUpdated;
    expect(typeof first).toBe("bigint");
    expect(first! >= before).toBe(true);
    publisher.touch();
    expect(publisher.record!.lastUpdated! >= first!).toBe(true);
  });

  it("remove() deletes the record but keeps the history; close() keeps the record", async () => {
    const publisher = memoryStatePublisher();
    await publisher.register({ pid: 1, recovery: "quit", pollPeriod: 100 });
    await publisher.setState("running");
    await publisher.close();
    expect(publisher.record?.state).toBe("running");
    await publisher.remove();
    expect(publisher.record).toBeUndefined();
    expect(publisher.history).toEqual(["running"]);
  });

  it("register() again starts a fresh record", async () => {
    const publisher = memoryStatePublisher();
    await publisher.register({ pid: 1, recovery: "quit", pollPeriod: 100 });
    await publisher.setState("failed");
    await publisher.register({ pid: 2, recovery: "restart", pollPeriod: 50 });
    expect(publisher.record).toEqual({ pid: 2, recovery: "restart", pollPeriod: 50, state: "stopped", lastUpdated: undefined });
  });
});
