/** One native part: an N-API addon, or an executable the package runs. */
export interface NativePart {
  kind: "addon" | "executable";
  /** What it is, for messages: "the corosync addon". */
  title: string;
  /** For an executable: the arguments of a run that exits 0 when it works (`["--check"]`). */
  check: string[];
}

/** A package's "samkitNative" entry in its package.json, read and checked. */
export interface NativeConfig {
  /** The npm name, for messages: "@samkit/quorum-corosync". */
  name: string;
  /** The package's folder (where package.json is). */
  packageDirectory: string;
  /** The folder under it that holds binding.gyp; node-gyp builds into `<directory>/build/Release`. */
  directory: string;
  /** The files node-gyp builds (`samkit_corosync.node`, `sam-agent`), by file name. */
  parts: Record<string, NativePart>;
  /** pkg-config modules the build needs (`libquorum`). */
  pkgConfig: string[];
  /** Debian packages with those build files (`libquorum-dev`). */
  buildPackages: string[];
  /** Debian packages the built parts need at run time (`libquorum5`). */
  runtimePackages: string[];
  /** The platforms (`process.platform`) the parts exist for; empty for every one. Elsewhere no step builds them. */
  os: string[];
}

/** A native part that cannot be used; the message says what is missing and what to run. */
export declare class NativePartError extends Error {
  readonly code: "ERR_SAMKIT_NATIVE";
  /** not-built: no file; library-missing: a system library is not installed; library-too-old: one is there, but older than the part needs; broken: anything else. */
  readonly reason: "not-built" | "library-missing" | "library-too-old" | "broken";
}

/**
 * Loads an addon part of the package at `packageDirectory`: its source build, else its prebuild for
 * this platform (or only `options.path`). Throws NativePartError.
 */
export declare function loadAddon(packageDirectory: string, file: string, options?: { path?: string }): unknown;

/**
 * The path of an executable part whose check passes (source build first, then prebuild; or only
 * `options.path`). Throws NativePartError.
 */
export declare function locateExecutable(packageDirectory: string, file: string, options?: { path?: string }): string;

/** Reads a package's "samkitNative" entry; throws an Error naming the file when it is malformed. */
export declare function readNativeConfig(packageDirectory: string): NativeConfig;

/** The folder of the C headers samkit's parts share (`samkit/descendants.h`), for a binding.gyp's `include_dirs`. */
export declare const includeDirectory: string;

/** This machine's prebuild folder name: `linux-x64-glibc`, `linux-arm64-musl`, `darwin-arm64`. */
export declare function platformTag(): string;

/** Where a part may be, in the order the loader tries. */
export declare function partCandidates(config: NativeConfig, file: string): string[];

/** Runs an executable's check; the error text, or undefined when it passed. */
export declare function checkExecutable(path: string, check: string[]): string | undefined;
