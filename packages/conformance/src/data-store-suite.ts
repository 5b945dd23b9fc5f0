/**
 * The conformance suite every DataStore runs, in-process: the contract of @samkit/core's
 * DataStore (load, atomic save, delete, close) and, for stores that keep data outside the
 * process, that a reopened store sees what was saved.
 */
import assert from "node:assert/strict";
import { SamError, type DataStore } from "@samkit/core";
import type { SuiteTest } from "./backend-suite.js";

export interface DataStoreFixture {
  /** Opens a store on this fixture's location; a persistent store opened again sees what was saved. */
  open(): DataStore | Promise<DataStore>;
  /** Removes what the fixture made (files, keys). */
  cleanup?(): void | Promise<void>;
}

export interface DataStoreSuiteOptions {
  /** A name for the describe block; default "DataStore conformance". */
  name?: string;
  /** The data outlives the store object (a file, a database): test reopening. Default false. */
  persistent?: boolean;
  /** The store's size limit in bytes, if it has one below 1 MiB + 1: test that a larger save is CS_ERR_TOO_BIG. */
  maxSize?: number;
}

const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff);

export function dataStoreSuite(test: SuiteTest, makeFixture: () => DataStoreFixture | Promise<DataStoreFixture>, options: DataStoreSuiteOptions = {}): void {
  /** Runs `body` with a fresh fixture and its first store, closing and cleaning up after. */
  const withStore = (body: (store: DataStore, fixture: DataStoreFixture) => Promise<void>) => async () => {
    const fixture = await makeFixture();
    const store = await fixture.open();
    try {
      await body(store, fixture);
    } finally {
      await store.close().catch(() => {});
      await fixture.cleanup?.();
    }
  };

  test.describe(options.name ?? "DataStore conformance", () => {
    test.it("implements the v1 contract", withStore(async (store) => {
      assert.equal(store.specificationVersion, "v1");
      assert.equal(typeof store.name, "string");
      for (const method of ["load", "save", "close"] as const) assert.equal(typeof store[method], "function", `${method}() is missing`);
    }));

    test.it("a new store holds no data", withStore(async (store) => {
      assert.equal(await store.load(), null);
    }));

    test.it("load() returns what save() stored, for sizes from 1 byte to 1 MiB (or the size limit) and every byte value", withStore(async (store) => {
      await store.load();
      const limit = options.maxSize ?? Number.POSITIVE_INFINITY;
      for (const length of [1, 2, 255, 256, 1024, 65_537, 1024 * 1024].filter((size) => size <= limit)) {
        const data = bytes(length, length);
        await store.save(data);
        assert.deepEqual(await store.load(), data, `${length} bytes did not round-trip`);
      }
    }));

    test.it("keeps copies: changing the saved or the loaded buffer changes nothing stored", withStore(async (store) => {
      await store.load();
      const data = bytes(64, 1);
      await store.save(data);
      data.fill(0);
      const loaded = await store.load();
      assert.deepEqual(loaded, bytes(64, 1));
      loaded!.fill(9);
      assert.deepEqual(await store.load(), bytes(64, 1));
    }));

    test.it("save(null) and an empty save delete the data", withStore(async (store) => {
      await store.load();
      await store.save(bytes(10, 2));
      await store.save(null);
      assert.equal(await store.load(), null);
      await store.save(bytes(10, 3));
      await store.save(new Uint8Array(0));
      assert.equal(await store.load(), null);
    }));

    test.it("saves called together end with the last one called", withStore(async (store) => {
      await store.load();
      await Promise.all(Array.from({ length: 8 }, (_, index) => store.save(bytes(100 + index, index))));
      assert.deepEqual(await store.load(), bytes(107, 7));
    }));

    test.it("refuses calls after close() with CS_ERR_BAD_HANDLE", withStore(async (store) => {
      await store.load();
      await store.close();
      await assert.rejects(async () => store.load(), (error: unknown) => SamError.isInstance(error) && error.code === "CS_ERR_BAD_HANDLE");
      await assert.rejects(async () => store.save(bytes(1, 1)), (error: unknown) => SamError.isInstance(error) && error.code === "CS_ERR_BAD_HANDLE");
    }));

    if (options.maxSize !== undefined) {
      const maxSize = options.maxSize;
      test.it("refuses more than its size limit with CS_ERR_TOO_BIG and keeps the old data", withStore(async (store) => {
        await store.load();
        await store.save(bytes(maxSize, 4));
        await assert.rejects(async () => store.save(bytes(maxSize + 1, 5)), (error: unknown) => SamError.isInstance(error) && error.code === "CS_ERR_TOO_BIG");
        assert.deepEqual(await store.load(), bytes(maxSize, 4));
      }));
    }

    if (options.persistent) {
      test.it("a store opened again sees what was saved, and a deletion", withStore(async (store, fixture) => {
        await store.load();
        await store.save(bytes(300, 6));
        await store.close();
        const second = await fixture.open();
        try {
          assert.deepEqual(await second.load(), bytes(300, 6));
          await second.save(null);
        } finally {
          await second.close();
        }
        const third = await fixture.open();
        try {
          assert.equal(await third.load(), null);
        } finally {
          await third.close();
        }
      }));
    }
  });
}
