import type { SupervisionBackend } from "@samkit/core";

/** A supervisor event as the conformance suite reads it; backends map their own events onto it. */
export interface ConformanceEvent {
  type: string;
  /** Wall-clock milliseconds (performance.timeOrigin + performance.now()). */
  time: number;
  [field: string]: unknown;
}

export interface BackendHooks {
  /** Receives the supervisor's events (spawn, signal, exit, quit); optional for a backend to support. */
  onEvent(event: ConformanceEvent): void;
}

/**
 * What the module given to backendSuite() exports as default. Scenarios run in fresh processes,
 * so the backend is named by a module, not passed as an object.
 */
export type BackendFactory = (hooks: BackendHooks) => SupervisionBackend | Promise<SupervisionBackend>;
