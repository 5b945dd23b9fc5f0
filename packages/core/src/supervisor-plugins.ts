/**
 * What a process that is to become the supervisor does with its plugins first, the one way for
 * every backend and for samctl: connect the quorum source (corosync must be reachable now, not
 * after the first instance) and load the stored data; a failed load closes the quorum source again.
 */
import type { ResolvedOptions } from "./options.js";

/** Resolves with the data the first instance gets (the store's, or null without a store). */
export async function openSupervisorPlugins(options: ResolvedOptions): Promise<Uint8Array | null> {
  if (options.quorum) await options.quorum.connect();
  if (!options.store) return null;
  try {
    return await options.store.load();
  } catch (error) {
    await options.quorum?.close().catch(() => {});
    throw error;
  }
}
