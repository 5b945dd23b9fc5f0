/**
 * The one error class of samkit. `code` is corosync's C name (`CS_ERR_BAD_HANDLE`), `csError` its
 * number from corotypes.h, so a message can be matched against libsam's documentation.
 */

import { csErrors } from "./cs-errors.generated.js";

export { csErrors };

export type CsErrorName = Exclude<keyof typeof csErrors, "CS_OK">;

const numberToName = new Map<number, CsErrorName>(
  Object.entries(csErrors)
    .filter(([name]) => name !== "CS_OK")
    .map(([name, value]) => [value, name as CsErrorName]),
);

/** The C name of a cs_error_t number; unknown numbers keep their value as `CS_ERR_UNKNOWN_<n>`. */
export function csErrorName(value: number): CsErrorName | `CS_ERR_UNKNOWN_${number}` {
  return numberToName.get(value) ?? `CS_ERR_UNKNOWN_${value}`;
}

// Symbol.for, not a module-local symbol: two copies of @samkit/core in one process must agree.
const marker = Symbol.for("samkit.SamError");

export interface SamErrorOptions {
  cause?: unknown;
}

export class SamError extends Error {
  /** The C name of the error, e.g. `CS_ERR_BAD_HANDLE`. */
  readonly code: CsErrorName | `CS_ERR_UNKNOWN_${number}`;
  /** The C number of the error, e.g. 9 for `CS_ERR_BAD_HANDLE`. */
  readonly csError: number;
  readonly [marker] = true;

  constructor(code: CsErrorName | number, message: string, options: SamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SamError";
    if (typeof code === "number") {
      this.csError = code;
      this.code = csErrorName(code);
    } else {
      this.code = code;
      this.csError = csErrors[code];
    }
  }

  /** True for a SamError from any copy of @samkit/core (instanceof fails across copies). */
  static isInstance(value: unknown): value is SamError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[marker] === true;
  }
}

/**
 * The one place where operating-system errors become SamErrors, keeping the original as `cause`.
 * `context` names what was attempted, e.g. "@samkit/backend-fork: starting instance 3".
 */
export function samErrorFromSystemError(error: unknown, context: string): SamError {
  if (SamError.isInstance(error)) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  const code: CsErrorName = (() => {
    switch (errno) {
      case "ENOMEM":
        return "CS_ERR_NO_MEMORY";
      case "EACCES":
      case "EPERM":
        return "CS_ERR_ACCESS";
      case "ENOENT":
        return "CS_ERR_NOT_EXIST";
      case "EEXIST":
        return "CS_ERR_EXIST";
      case "ENOSPC":
      case "EDQUOT":
        return "CS_ERR_NO_SPACE";
      case "EAGAIN":
      case "EBUSY":
        return "CS_ERR_TRY_AGAIN";
      case "EFBIG":
      case "E2BIG":
        return "CS_ERR_TOO_BIG";
      case "ENAMETOOLONG":
        return "CS_ERR_NAME_TOO_LONG";
      case "ETIMEDOUT":
        return "CS_ERR_TIMEOUT";
      case "ELOOP":
        return "CS_ERR_SECURITY";
      default:
        return "CS_ERR_LIBRARY";
    }
  })();
  return new SamError(code, `${context}: ${detail}`, { cause: error });
}
