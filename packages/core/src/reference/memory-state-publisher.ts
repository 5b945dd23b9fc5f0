import { specificationVersion } from "../contracts/specification-version.js";
import type { PublishedState, StatePublisher } from "../contracts/state-publisher.js";
import type { RecoveryPolicy } from "../recovery-policy.js";

export interface PublishedRecord {
  pid: number;
  recovery: RecoveryPolicy;
  pollPeriod: number;
  state: PublishedState;
  /** Monotonic nanoseconds of the last message, or undefined before the first. */
  lastUpdated: bigint | undefined;
}

export interface MemoryStatePublisher extends StatePublisher {
  /** What is published now, or undefined when nothing is (never registered, or removed). */
  readonly record: PublishedRecord | undefined;
  /** Every state written, in order. */
  readonly history: readonly PublishedState[];
}

/** The reference StatePublisher: keeps the keys in memory, in the shape of libsam's CMAP keys. */
export function memoryStatePublisher(): MemoryStatePublisher {
  let record: PublishedRecord | undefined;
  const history: PublishedState[] = [];
  return {
    specificationVersion,
    name: "memory",
    async register({ pid, recovery, pollPeriod }) {
      record = { pid, recovery, pollPeriod, state: "stopped", lastUpdated: undefined };
    },
    async setState(state) {
      history.push(state);
      if (record) record.state = state;
    },
    async setRecovery(recovery) {
      if (record) record.recovery = recovery;
    },
    touch() {
      if (record) record.lastUpdated = process.hrtime.bigint();
    },
    async remove() {
      record = undefined;
    },
    async close() {},
    get record() {
      return record;
    },
    get history() {
      return history;
    },
  };
}
