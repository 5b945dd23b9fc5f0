/**
 * Finds sam-agent and the execve addon through @samkit/native-build's loader (a build from source,
 * else the prebuild for this platform), and checks that the agent runs (libsam present) before a
 * process is handed over to it: after execve it would be too late to say what is missing.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAddon, locateExecutable } from "@samkit/native-build";
import { SamError } from "@samkit/core";
import type { ExecBinding, NativeParts } from "./native-binding.js";

function packageDirectory(): string {
  // import.meta.url, which rollup turns into this file's URL in the CJS build: a `typeof __filename`
  // test would see `node -e`'s global __filename ("[eval]") from this ESM file.
  return resolve(dirname(fileURLToPath(import.meta.url)), "..");
}

function asSamError(error: unknown): SamError {
  return new SamError("CS_ERR_LIBRARY", error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * The path of a sam-agent that runs (`sam-agent --check`: a missing libsam shows up as the dynamic
 * loader's complaint): the given one, else the package's. Throws CS_ERR_LIBRARY saying what to do.
 */
export function checkAgent(agentPath?: string): string {
  try {
    return locateExecutable(packageDirectory(), "sam-agent", { path: agentPath });
  } catch (error) {
    throw asSamError(error);
  }
}

/** Loads the parts, or throws CS_ERR_LIBRARY (CS_ERR_NOT_SUPPORTED off Linux) saying what to do. */
export function loadNative(overrides: Partial<NativeParts> = {}): NativeParts {
  if (process.platform !== "linux") {
    throw new SamError("CS_ERR_NOT_SUPPORTED", `@samkit/backend-native: corosync's libsam runs on Linux; this is ${process.platform}. Use @samkit/backend-fork here.`);
  }
  const agentPath = checkAgent(overrides.agentPath);
  let binding = overrides.binding;
  if (!binding) {
    try {
      binding = loadAddon(packageDirectory(), "samkit_native.node") as ExecBinding;
    } catch (error) {
      throw asSamError(error);
    }
  }
  return { agentPath, binding };
}
