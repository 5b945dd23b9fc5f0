/**
 * The policy engine as backends hold it: the current state, and one call per event. The rules are
 * policy-step.ts's; the vocabulary is policy-types.ts's.
 */
import { initialPolicyState, nextDeadline, policyStep, rearmedDeadline } from "./policy-step.js";
import type { PolicyAction, PolicyConfig, PolicyEvent, PolicyState } from "./policy-types.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A mutable holder around policyStep, for backends. */
export class PolicyEngine {
  /** The engine's own copy of the current state: only heartbeat() changes it in place. */
  #state: Mutable<PolicyState>;

  constructor(readonly config: PolicyConfig, quorate?: boolean) {
    this.#state = initialPolicyState(config, quorate);
  }

  get state(): PolicyState {
    return this.#state;
  }

  /** The earliest time a `timer` event is wanted, or null. */
  get nextDeadline(): number | null {
    return nextDeadline(this.#state);
  }

  handle(event: PolicyEvent): readonly PolicyAction[] {
    const step = policyStep(this.config, this.#state, event);
    // A copy, so that heartbeat() never changes a state policyStep handed out.
    if (step.state !== this.#state) this.#state = { ...step.state };
    return step.actions;
  }

  /**
   * The hot path: the same step as handle() of a heartbeat or a data-store message (neither ever
   * yields an action), without an event or a new state: the engine's own state takes the
   * re-armed deadline in place, so a supervisor's heartbeats make no garbage. A state read earlier
   * through `state` only ever sees its deadline move.
   */
  heartbeat(now: number): void {
    const state = this.#state;
    if (state.phase === "running") state.deadline = rearmedDeadline(this.config, state, now);
  }
}
