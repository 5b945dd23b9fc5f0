/** The shape of the compiled addon (addon/src/corosync_addon.cc); tests may inject their own. */

export interface NativeQuorum {
  /** The last known state; false once the connection is lost. */
  quorate(): boolean;
  close(): void;
}

export interface NativeCmap {
  setString(key: string, value: string): void;
  setUint64(key: string, value: bigint | number): void;
  /** Writes CLOCK_MONOTONIC nanoseconds to `key` (libsam's last_updated). */
  touch(key: string): void;
  get(key: string): string | bigint | number | Buffer | undefined;
  keys(prefix: string): string[];
  deleteKey(key: string): void;
  close(): void;
}

export interface NativeBinding {
  /** Connects; `onChange` hears every change of quorum, `onLost` once, with a cs_error_t, when the connection ends. */
  Quorum: new (onChange: (quorate: boolean) => void, onLost: (csError: number) => void) => NativeQuorum;
  Cmap: new () => NativeCmap;
  monotonicNanoseconds(): bigint;
}

/** Errors thrown by the addon carry the cs_error_t and the C call. */
export interface NativeError extends Error {
  csError?: number;
  call?: string;
}
