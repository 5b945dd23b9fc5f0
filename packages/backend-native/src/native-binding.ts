/** The execve addon (native/src/exec_addon.c); tests inject their own. */
export interface ExecBinding {
  /**
   * Replaces this process with `path`, keeping its PID; returns only by throwing. The descriptors in
   * `inherit` reach the new program (Node marks its own close-on-exec, standard I/O included).
   */
  execve(path: string, argv: readonly string[], env: readonly string[], inherit: readonly number[]): never;
  /** An in-memory file holding `data`, inheritable across execve; returns its descriptor. */
  dataDescriptor(data: Uint8Array): number;
}

export interface NativeParts {
  /** The sam-agent executable. */
  agentPath: string;
  binding: ExecBinding;
}
