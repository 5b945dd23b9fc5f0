import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "conformance", environment: "node", testTimeout: 60_000 } });
