/**
 * Finds sam-agent and the execve addon, and checks that the agent runs (libsam present) before a
 * process is handed over to it: after execve it would be too late to say what is missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SamError } from "@samkit/core";
import type { ExecBinding, NativeParts } from "./native-binding.js";

const buildHint = "Install libsam's development files (apt-get install libsam-dev libcorosync-common-dev pkg-config) and build the package: pnpm --filter @samkit/backend-native build.";

function packageDir(): string {
  const here = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
  return resolve(dirname(here), "..");
}

export function nativeBuildDir(base = packageDir()): string {
  return join(base, "native", "build", "Release");
}

/** Checks the agent by running `sam-agent --check`: a missing libsam shows up as the dynamic loader's complaint. */
export function checkAgent(agentPath: string): void {
  if (!existsSync(agentPath)) {
    throw new SamError("CS_ERR_LIBRARY", `@samkit/backend-native: sam-agent is not built (${agentPath} is not there). ${buildHint}`);
  }
  const result = spawnSync(agentPath, ["--check"], { encoding: "utf8", timeout: 10_000 });
  if (result.status === 0 && /^sam-agent \d+/.test(result.stdout)) return;
  const detail = `${result.error?.message ?? ""}${result.stderr ?? ""}`.trim();
  if (/libsam\.so|libqb\.so|libcorosync_common\.so/.test(detail)) {
    throw new SamError("CS_ERR_LIBRARY", `@samkit/backend-native: corosync's libsam is missing: apt-get install libsam4 (Debian/Ubuntu) or dnf install corosynclib (Fedora/RHEL). ${detail}`);
  }
  throw new SamError("CS_ERR_LIBRARY", `@samkit/backend-native: sam-agent at ${agentPath} does not run (${detail || `exit ${result.status}`}); rebuild it: pnpm --filter @samkit/backend-native build.`);
}

/** Loads the parts, or throws CS_ERR_LIBRARY (CS_ERR_NOT_SUPPORTED off Linux) saying what to do. */
export function loadNative(overrides: Partial<NativeParts> = {}): NativeParts {
  if (process.platform !== "linux") {
    throw new SamError("CS_ERR_NOT_SUPPORTED", `@samkit/backend-native: corosync's libsam runs on Linux; this is ${process.platform}. Use @samkit/backend-fork here.`);
  }
  const agentPath = overrides.agentPath ?? join(nativeBuildDir(), "sam-agent");
  checkAgent(agentPath);
  let binding = overrides.binding;
  if (!binding) {
    const addon = join(nativeBuildDir(), "samkit_native.node");
    if (!existsSync(addon)) throw new SamError("CS_ERR_LIBRARY", `@samkit/backend-native: the execve addon is not built (${addon}). ${buildHint}`);
    const require = createRequire(typeof __filename === "string" ? __filename : import.meta.url);
    try {
      binding = require(addon) as ExecBinding;
    } catch (error) {
      throw new SamError("CS_ERR_LIBRARY", `@samkit/backend-native: cannot load ${addon}: ${error instanceof Error ? error.message : String(error)}. Rebuild it: pnpm --filter @samkit/backend-native build.`, { cause: error });
    }
  }
  return { agentPath, binding };
}
