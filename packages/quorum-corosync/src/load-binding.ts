/**
 * Loads the corosync addon through @samkit/native-build's loader (a build from source, else the
 * prebuild for this platform), or an injected binding; its diagnosis becomes a SamError.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAddon } from "@samkit/native-build";
import { SamError } from "@samkit/core";
import type { NativeBinding } from "./native-binding.js";

/** The package folder: dist/index.js (or src/ under tests) sits one level below it. */
export function packageDirectory(): string {
  // import.meta.url, which rollup turns into this file's URL in the CJS build: a `typeof __filename`
  // test would see `node -e`'s global __filename ("[eval]") from this ESM file.
  return resolve(dirname(fileURLToPath(import.meta.url)), "..");
}

let cached: NativeBinding | undefined;

/**
 * Loads the binding: the given object, or the addon at the given path, or the package's addon.
 * Throws CS_ERR_LIBRARY (CS_ERR_NOT_SUPPORTED off Linux) with the diagnosis.
 */
export function loadBinding(binding?: NativeBinding | string): NativeBinding {
  if (typeof binding === "object" && binding !== null) return binding;
  if (binding === undefined && cached) return cached;
  if (process.platform !== "linux") {
    throw new SamError("CS_ERR_NOT_SUPPORTED", `@samkit/quorum-corosync: corosync runs on Linux; this is ${process.platform}. Use another QuorumSource here (see the @samkit/core README).`);
  }
  try {
    const loaded = loadAddon(packageDirectory(), "samkit_corosync.node", { path: binding }) as NativeBinding;
    if (binding === undefined) cached = loaded;
    return loaded;
  } catch (error) {
    throw new SamError("CS_ERR_LIBRARY", error instanceof Error ? error.message : String(error), { cause: error });
  }
}
