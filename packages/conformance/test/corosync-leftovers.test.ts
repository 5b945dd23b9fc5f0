// Runs after every other test file (tools/leftovers-last-sequencer.ts): no test may leave
// resources.process.* keys in the shared test corosync, where its watchdog would act on them.
import { expect, it } from "vitest";
import { cmapKeys, corosyncUnavailableReason } from "../src/index.js";

const unavailable = corosyncUnavailableReason();

it.skipIf(unavailable !== undefined && process.env.SAMKIT_REQUIRE_COROSYNC !== "1")(
  `no resources.process.* keys are left in CMAP after the run${unavailable ? ` (skipped: ${unavailable})` : ""}`,
  async () => {
    expect(unavailable).toBeUndefined();
    expect([...(await cmapKeys("resources.process.")).keys()]).toEqual([]);
  },
);
