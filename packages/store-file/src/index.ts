export { fileStore, defaultMaxSize, type FileStore, type FileStoreOptions } from "./file-store.js";
export { encodeDataFile, decodeDataFile, FormatError, formatVersion, headerSize, type FormatFault } from "./file-format.js";
