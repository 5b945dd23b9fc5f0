export { parseRunOptions, runUsage, type RunOptions } from "./run-options.js";
export { parseDuration } from "./durations.js";
export { UsageError } from "./usage-error.js";
export { defineConfig, loadConfig, environmentTokens, type SamctlConfig } from "./config.js";
