/**
 * The plugins behind --store, --quorum and --cmap, loaded only when asked for: a user installs
 * only the packages they need, and hears which one is missing.
 */
import type { SamOptions } from "@samkit/core";
import type { RunOptions } from "./run-options.js";
import { UsageError } from "./usage-error.js";

async function load<T>(name: string, option: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") throw new UsageError(`${option} needs ${name}: npm install ${name}`);
    throw error;
  }
}

export async function withPlugins(options: RunOptions): Promise<SamOptions> {
  const sam: SamOptions = { ...options.sam };
  if (options.store !== undefined) {
    const { fileStore } = await load<typeof import("@samkit/store-file")>("@samkit/store-file", "--store");
    sam.store = fileStore({ path: options.store });
  }
  if (options.quorum === "corosync" || options.cmap) {
    const corosync = await load<typeof import("@samkit/quorum-corosync")>("@samkit/quorum-corosync", options.cmap ? "--cmap" : "--quorum");
    if (options.quorum === "corosync") sam.quorum = corosync.corosyncQuorum();
    if (options.cmap) sam.cmap = corosync.corosyncCmap();
  }
  return sam;
}
