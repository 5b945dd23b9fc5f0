import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "store-file", environment: "node", testTimeout: 120_000 } });
