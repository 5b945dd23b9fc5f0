// backend-fork with the corosync plugins, as the conformance scenarios load it in their own processes.
import { forkBackend } from "@samkit/backend-fork";
import { corosyncCmap, corosyncQuorum } from "@samkit/quorum-corosync";

export default (hooks) => forkBackend({ onEvent: hooks.onEvent });
export const quorumSource = () => corosyncQuorum();
export const statePublisher = () => corosyncCmap();
