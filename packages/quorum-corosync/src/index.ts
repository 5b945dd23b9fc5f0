export { corosyncQuorum, type CorosyncQuorumOptions, type CorosyncQuorumSource } from "./corosync-quorum.js";
export { corosyncCmap, type CorosyncCmapOptions, type CorosyncCmapPublisher } from "./corosync-cmap.js";
export { loadBinding } from "./load-binding.js";
export type { NativeBinding, NativeCmap, NativeQuorum, NativeError } from "./native-binding.js";
