// corosyncQuorum against the test corosync: the QuorumSource contract, and what a user sees when
// corosync is not there.
import { describe, expect, it } from "vitest";
import { corosyncUnavailableReason, quorumSourceSuite, setTestQuorate, startTestCorosync, stopTestCorosync } from "@samkit/conformance";
import { corosyncQuorum } from "../src/index.js";

const unavailable = corosyncUnavailableReason();
const skipReason = unavailable && process.env.SAMKIT_REQUIRE_COROSYNC !== "1" ? unavailable : undefined;

quorumSourceSuite({ describe, it }, () => ({ source: corosyncQuorum(), setQuorate: setTestQuorate }), { name: "corosyncQuorum", skipReason });

describe.skipIf(skipReason !== undefined)("corosyncQuorum without corosync", () => {
  it("connect() says corosync is not running and how to start it; a connected source reports the outage and reconnects", async () => {
    const source = corosyncQuorum({ reconnectInterval: 100 });
    await source.connect();
    const errors: string[] = [];
    const changes: boolean[] = [];
    source.onError((error) => errors.push(`${error.code} ${error.message}`));
    source.onChange((quorate) => changes.push(quorate));
    await stopTestCorosync();
    try {
      await expect(corosyncQuorum().connect()).rejects.toMatchObject({
        name: "SamError",
        code: "CS_ERR_LIBRARY",
        message: expect.stringMatching(/cannot connect to corosync's quorum service: quorum_initialize gave CS_ERR_LIBRARY\. Is corosync running\? Start it/),
      });
      expect(source.connected).toBe(false);
      expect(source.isQuorate()).toBe(false);
      expect(changes).toEqual([false]);
      expect(errors[0]).toMatch(/^CS_ERR_LIBRARY .*lost the connection to corosync/);
    } finally {
      await startTestCorosync();
    }
    const deadline = Date.now() + 5000;
    while (!source.isQuorate() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(source.connected).toBe(true);
    expect(changes).toEqual([false, true]);
    await source.close();
  }, 60_000);
});

describe("options", () => {
  it("are validated", () => {
    expect(() => corosyncQuorum({ reconnectInterval: 1 })).toThrowError(expect.objectContaining({ code: "CS_ERR_INVALID_PARAM" }));
    expect(() => corosyncQuorum({ retry: 1 } as never)).toThrowError(/no option "retry"/);
  });
});
