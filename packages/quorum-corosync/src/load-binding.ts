/**
 * Finds and loads the addon, and when it cannot, says why and what to do: the addon not built,
 * the corosync libraries missing, the wrong platform. Every attempt's error is kept as `cause`.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SamError } from "@samkit/core";
import type { NativeBinding } from "./native-binding.js";

const addonName = "samkit_corosync.node";

function packageDir(): string {
  // dist/index.js (or src/ under tests) sits one level below the package folder.
  const here = typeof __filename === "string" ? __filename : fileURLToPath(import.meta.url);
  return resolve(dirname(here), "..");
}

/** Where the addon may be, in order. */
export function addonCandidates(base = packageDir()): string[] {
  return [join(base, "addon", "build", "Release", addonName), join(base, "addon", "build", "Debug", addonName)];
}

let cached: NativeBinding | undefined;

/**
 * Loads the binding: the given object, or the addon at the given path, or the built addon.
 * Throws CS_ERR_LIBRARY (CS_ERR_NOT_SUPPORTED off Linux) with the diagnosis.
 */
export function loadBinding(binding?: NativeBinding | string): NativeBinding {
  if (typeof binding === "object" && binding !== null) return binding;
  if (binding === undefined && cached) return cached;
  if (process.platform !== "linux") {
    throw new SamError("CS_ERR_NOT_SUPPORTED", `@samkit/quorum-corosync: corosync runs on Linux; this is ${process.platform}. Use another QuorumSource here (see the @samkit/core README).`);
  }
  const candidates = typeof binding === "string" ? [binding] : addonCandidates();
  const require = createRequire(typeof __filename === "string" ? __filename : import.meta.url);
  const failures: string[] = [];
  let lastError: unknown;
  for (const candidate of candidates) {
    if (!existsSync(candidate)) {
      failures.push(`${candidate}: not there`);
      continue;
    }
    try {
      const loaded = require(candidate) as NativeBinding;
      if (binding === undefined) cached = loaded;
      return loaded;
    } catch (error) {
      lastError = error;
      failures.push(`${candidate}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const text = failures.join("\n  ");
  let solution: string;
  if (/lib(quorum|cmap|qb)\.so/.test(text)) {
    solution = "The corosync client libraries are missing: apt-get install libquorum5 libcmap4 (Debian/Ubuntu), or dnf install corosynclib (Fedora/RHEL).";
  } else if (/NODE_MODULE_VERSION|was compiled against a different Node/.test(text)) {
    solution = "The addon was built for another Node version: rebuild it with pnpm --filter @samkit/quorum-corosync build.";
  } else if (!failures.some((failure) => !failure.endsWith("not there"))) {
    solution = "The addon is not built. Install the corosync development files (apt-get install corosync libquorum-dev libcmap-dev pkg-config) and build it: pnpm --filter @samkit/quorum-corosync build.";
  } else {
    solution = "Rebuild the addon: pnpm --filter @samkit/quorum-corosync build.";
  }
  throw new SamError("CS_ERR_LIBRARY", `@samkit/quorum-corosync: cannot load the corosync addon. ${solution}\n  Tried:\n  ${text}`, { cause: lastError });
}
