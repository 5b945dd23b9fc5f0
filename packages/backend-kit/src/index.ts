/**
 * For authors of samkit supervision backends (users of samkit need @samkit/core and a backend):
 * the channel protocol between an instance and its supervisor, the instance's side of it, the
 * data file, the instance marker, the entry command, and defineBackend().
 */
export { defineBackend, type BackendCapabilities, type BackendDefinition } from "./define-backend.js";
export { checkOptionKeys } from "./backend-options.js";
export { attachInstanceChannel, type AttachOptions } from "./instance-channel.js";
export * as channelProtocol from "./channel-protocol.js";
export { FrameReader, ProtocolError, encodeFrame, headerSize } from "./frames.js";
export { instanceMarker, claimRegistration, parseInstanceMarker, formatInstanceMarker, type InstanceMarker } from "./instance-marker.js";
export { entryCommand, instanceEnvironment, type EntryCommand } from "./entry-command.js";
export { DataFileWriter, readDataFile, type DataFileContents } from "./data-file.js";
