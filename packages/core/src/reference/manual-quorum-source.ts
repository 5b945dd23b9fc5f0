import { specificationVersion } from "../contracts/specification-version.js";
import type { QuorumSource } from "../contracts/quorum-source.js";
import { SamError } from "../sam-error.js";

export interface ManualQuorumSource extends QuorumSource {
  /** Sets the state; listeners hear of it only when it changes. */
  setQuorate(quorate: boolean): void;
  readonly connected: boolean;
}

/**
 * The reference QuorumSource: quorum is whatever the test says. The model for writing your own
 * (see the core README): connect, report the state, report every change, close.
 */
export function manualQuorumSource(initiallyQuorate = true): ManualQuorumSource {
  let quorate = initiallyQuorate;
  let connected = false;
  let closed = false;
  const listeners = new Set<(quorate: boolean) => void>();
  return {
    specificationVersion,
    name: "manual",
    async connect() {
      if (closed) throw new SamError("CS_ERR_BAD_HANDLE", "@samkit/core manualQuorumSource: connect() after close()");
      connected = true;
    },
    isQuorate() {
      return connected && quorate;
    },
    onChange(listener) {
      if (typeof listener !== "function") {
        throw new SamError("CS_ERR_INVALID_PARAM", "@samkit/core manualQuorumSource: onChange() takes a function");
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      closed = true;
      connected = false;
      listeners.clear();
    },
    setQuorate(next) {
      if (typeof next !== "boolean") {
        throw new SamError("CS_ERR_INVALID_PARAM", "@samkit/core manualQuorumSource: setQuorate() takes a boolean");
      }
      if (next === quorate) return;
      quorate = next;
      if (connected) for (const listener of [...listeners]) listener(next);
    },
    get connected() {
      return connected;
    },
  };
}
