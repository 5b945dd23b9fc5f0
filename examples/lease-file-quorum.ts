// The example of docs/writing-a-quorum-plugin.md, tested by packages/conformance/test/lease-file-quorum.test.ts.
import { statSync } from "node:fs";
import { SamError, specificationVersion, type QuorumSource } from "@samkit/core";

/** Quorate while `path` was touched within `maxAge` ms (an external agent renews it). */
export function leaseFileQuorum({ path, maxAge = 5000, every = 250 }: { path: string; maxAge?: number; every?: number }): QuorumSource {
  if (typeof path !== "string" || path === "") throw new SamError("CS_ERR_INVALID_PARAM", "leaseFileQuorum: path must be a file path");
  const listeners = new Set<(quorate: boolean) => void>();
  let quorate = false;
  let timer: NodeJS.Timeout | undefined;
  const fresh = () => {
    try {
      return Date.now() - statSync(path).mtimeMs <= maxAge;
    } catch {
      return false; // no lease: not quorate
    }
  };
  const check = () => {
    const now = fresh();
    if (now === quorate) return;
    quorate = now;
    for (const listener of [...listeners]) listener(now);
  };
  return {
    specificationVersion,
    name: "lease-file",
    async connect() {
      quorate = fresh();
      timer = setInterval(check, every);
      timer.unref();
    },
    isQuorate: () => quorate,
    onChange(listener) {
      if (typeof listener !== "function") throw new SamError("CS_ERR_INVALID_PARAM", "leaseFileQuorum: onChange() takes a function");
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      clearInterval(timer);
      listeners.clear();
    },
  };
}
