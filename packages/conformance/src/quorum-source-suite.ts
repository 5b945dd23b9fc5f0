/**
 * The conformance suite every QuorumSource runs, in-process: the contract of @samkit/core's
 * QuorumSource (connect, isQuorate, onChange in order, unsubscribe, close), with a way for the
 * suite to flip the quorum the source watches.
 */
import assert from "node:assert/strict";
import { SamError, type QuorumSource } from "@samkit/core";
import type { SuiteTest } from "./backend-suite.js";

export interface QuorumSourceFixture {
  source: QuorumSource;
  /** Makes whatever the source watches quorate or not; resolves once it is so. */
  setQuorate(quorate: boolean): Promise<void> | void;
  cleanup?(): Promise<void> | void;
}

export interface QuorumSourceSuiteOptions {
  name?: string;
  /** Milliseconds a change may take to reach the listener; default 2000. */
  changeTimeout?: number;
  /** Declare the tests as skipped, with this reason (say why: e.g. corosync is not running). */
  skipReason?: string;
}

export function quorumSourceSuite(test: SuiteTest, makeFixture: () => QuorumSourceFixture | Promise<QuorumSourceFixture>, options: QuorumSourceSuiteOptions = {}): void {
  const changeTimeout = options.changeTimeout ?? 2000;
  const it = (name: string, body: (fixture: QuorumSourceFixture) => Promise<void>) => {
    if (options.skipReason !== undefined) {
      const skip = (test.it as SuiteTest["it"] & { skip?: SuiteTest["it"] }).skip;
      skip?.(`${name} (skipped: ${options.skipReason})`, async () => {});
      return;
    }
    test.it(name, async () => {
      const fixture = await makeFixture();
      try {
        await body(fixture);
      } finally {
        await fixture.source.close().catch(() => {});
        await fixture.setQuorate(true);
        await fixture.cleanup?.();
      }
    }, changeTimeout * 4 + 10_000);
  };

  /** Resolves with the first `count` values the listener hears. */
  const hear = (source: QuorumSource, count: number) => {
    const heard: boolean[] = [];
    let unsubscribe = () => {};
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<boolean[]>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`heard ${JSON.stringify(heard)} within ${changeTimeout} ms, expected ${count} changes`)), changeTimeout);
      unsubscribe = source.onChange((quorate) => {
        heard.push(quorate);
        if (heard.length === count) {
          clearTimeout(timer);
          resolve(heard);
        }
      });
    });
    // Only awaited where the changes are expected; elsewhere the time-out must not be an unhandled rejection.
    done.catch(() => {});
    return {
      done,
      heard,
      unsubscribe: () => {
        clearTimeout(timer);
        unsubscribe();
      },
    };
  };

  test.describe(options.name ?? "QuorumSource conformance", () => {
    it("implements the v1 contract", async ({ source }) => {
      assert.equal(source.specificationVersion, "v1");
      assert.equal(typeof source.name, "string");
      for (const method of ["connect", "isQuorate", "onChange", "close"] as const) assert.equal(typeof source[method], "function", `${method}() is missing`);
    });

    it("reports the current state once connected", async ({ source, setQuorate }) => {
      await setQuorate(true);
      await source.connect();
      assert.equal(source.isQuorate(), true);
      await source.close();
    });

    it("reports an inquorate cluster at connect()", async ({ source, setQuorate }) => {
      await setQuorate(false);
      await source.connect();
      assert.equal(source.isQuorate(), false);
    });

    it("tells every listener of each change, in order, and isQuorate() agrees", async ({ source, setQuorate }) => {
      await setQuorate(true);
      await source.connect();
      const first = hear(source, 2);
      const second = hear(source, 2);
      await setQuorate(false);
      await waitUntil(() => first.heard.length >= 1, changeTimeout);
      assert.equal(source.isQuorate(), false);
      await setQuorate(true);
      assert.deepEqual(await first.done, [false, true]);
      assert.deepEqual(await second.done, [false, true]);
      assert.equal(source.isQuorate(), true);
    });

    it("an unsubscribed listener hears nothing more", async ({ source, setQuorate }) => {
      await setQuorate(true);
      await source.connect();
      const kept = hear(source, 2);
      const dropped = hear(source, 2);
      dropped.unsubscribe();
      await setQuorate(false);
      await setQuorate(true);
      assert.deepEqual(await kept.done, [false, true]);
      assert.deepEqual(dropped.heard, []);
    });

    it("after close(), no listener is called", async ({ source, setQuorate }) => {
      await setQuorate(true);
      await source.connect();
      const listener = hear(source, 1);
      await source.close();
      await setQuorate(false);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(listener.heard, []);
      listener.unsubscribe();
    });

    it("onChange() refuses a non-function with a SamError", async ({ source }) => {
      assert.throws(() => source.onChange("listener" as never), (error: unknown) => SamError.isInstance(error) && error.code === "CS_ERR_INVALID_PARAM");
    });
  });
}

async function waitUntil(condition: () => boolean, timeout: number): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeout) throw new Error(`timed out after ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
