export { nativeBackend, markerVariable, type NativeBackendOptions } from "./native-backend.js";
export { agentArguments, type AgentArgumentsInput } from "./agent-arguments.js";
export { loadNative, checkAgent } from "./load-native.js";
export type { ExecBinding, NativeParts } from "./native-binding.js";
export { execUnderLibsam, type ExecUnderLibsamOptions } from "./supervise-command.js";
export { inheritedDescriptors } from "./native-backend.js";
