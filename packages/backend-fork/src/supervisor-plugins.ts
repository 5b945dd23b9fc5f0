/**
 * The supervisor's side of the plugins (quorum source, state publisher, data store): their events
 * while it runs, and closing them when it quits. What it does with them in between is the policy's.
 */
import type { ResolvedOptions } from "@samkit/core";

/** Subscribes to quorum changes and to the plugins' errors; returns the unsubscribes. */
export function watchPlugins(options: ResolvedOptions, onQuorum: (quorate: boolean) => void, error: (message: string) => void): (() => void)[] {
  const cleanups: (() => void)[] = [];
  if (options.quorum) cleanups.push(options.quorum.onChange(onQuorum));
  const report = (plugin: string) => (failure: Error) => error(`${plugin}: ${failure.message}`);
  if (options.quorum?.onError) cleanups.push(options.quorum.onError(report("quorum source")));
  if (options.cmap?.onError) cleanups.push(options.cmap.onError(report("state publisher")));
  return cleanups;
}

/**
 * Closes every plugin, each failure reported and none stopping the others. A recovery quit
 * (`failed`) leaves the published `failed` state for corosync's watchdog; a clean quit removes it.
 */
export async function closePlugins(options: ResolvedOptions, failed: boolean, error: (message: string) => void): Promise<void> {
  const settle = async (what: string, step: (() => Promise<void>) | undefined) => {
    try {
      await step?.();
    } catch (failure) {
      error(`${what} failed while quitting: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  };
  const { quorum, cmap, store } = options;
  await settle("closing the quorum source", quorum && (() => quorum.close()));
  if (cmap) {
    if (!failed) await settle("removing the published state", () => cmap.remove());
    await settle("closing the state publisher", () => cmap.close());
  }
  await settle("closing the data store", store && (() => store.close()));
}
