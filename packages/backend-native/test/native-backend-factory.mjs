// backend-native as the conformance scenarios load it: the agent writes its events to standard
// output in the scenario runner's record format, and libsam's own QUORUM and CMAP flags are used.
import { nativeBackend } from "@samkit/backend-native";
import { corosyncCmap, corosyncQuorum } from "@samkit/quorum-corosync";

export default () => nativeBackend({ events: { fd: 1, prefix: "@@samkit " } });
export const quorumSource = () => corosyncQuorum();
export const statePublisher = () => corosyncCmap();
