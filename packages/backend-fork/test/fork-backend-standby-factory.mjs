// backend-fork with warm standby on: the same conformance suite must hold with a spare parked.
import { forkBackend } from "@samkit/backend-fork";

export default (hooks) => forkBackend({ onEvent: hooks.onEvent, standby: true });
