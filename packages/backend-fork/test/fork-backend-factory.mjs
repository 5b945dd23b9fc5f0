// The backend under test, as the conformance scenarios load it in their own processes.
import { forkBackend } from "@samkit/backend-fork";

export default (hooks) => forkBackend({ onEvent: hooks.onEvent });
