import { defineProject } from "vitest/config";

export default defineProject({ test: { name: "backend-kit", environment: "node" } });
