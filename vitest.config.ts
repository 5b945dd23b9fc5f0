import { defineConfig } from "vitest/config";
import LeftoversLastSequencer from "./tools/leftovers-last-sequencer.ts";

export default defineConfig({
  test: {
    projects: ["packages/*", "release"],
    reporters: ["default", "./tools/vitest-summary-reporter.ts"],
    globalSetup: ["./tools/corosync-global-setup.ts"],
    // One test file at a time: the process tests measure timings in milliseconds on a 2-core
    // machine, and the corosync tests share one daemon whose quorum they flip.
    fileParallelism: false,
    sequence: { sequencer: LeftoversLastSequencer },
  },
});
