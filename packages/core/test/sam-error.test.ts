import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it, vi } from "vitest";
import { SamError, csErrorName, csErrors, samErrorFromSystemError } from "../src/index.js";
import type { CsErrorName } from "../src/index.js";

const named = Object.entries(csErrors).filter(([name]) => name !== "CS_OK") as [CsErrorName, number][];

describe("csErrors", () => {
  it("has corosync's numbers (corotypes.h): CS_OK is 1, not 0", () => {
    expect(csErrors.CS_OK).toBe(1);
    expect(csErrors.CS_ERR_LIBRARY).toBe(2);
    expect(csErrors.CS_ERR_VERSION).toBe(3);
    expect(csErrors.CS_ERR_INVALID_PARAM).toBe(7);
    expect(csErrors.CS_ERR_BAD_HANDLE).toBe(9);
    expect(csErrors.CS_ERR_TOO_BIG).toBe(26);
    expect(csErrors.CS_ERR_TOO_MANY_GROUPS).toBe(30);
    expect(csErrors.CS_ERR_SECURITY).toBe(100);
    expect("CS_ERR_29" in csErrors).toBe(false);
  });

  it("numbers are unique", () => {
    const values = Object.values(csErrors);
    expect(new Set(values).size).toBe(values.length);
  });
});

describe("csErrorName", () => {
  it.each(named)("%s <- %i", (name, value) => {
    expect(csErrorName(value)).toBe(name);
  });

  it.each([0, 1, 29, 31, 99, 101, -1, 1.5])("unknown number %s -> CS_ERR_UNKNOWN_<n>", (value) => {
    expect(csErrorName(value)).toBe(`CS_ERR_UNKNOWN_${value}`);
  });
});

describe("SamError", () => {
  it.each(named)("from the name %s: csError %i", (name, value) => {
    const error = new SamError(name, "message");
    expect(error.code).toBe(name);
    expect(error.csError).toBe(value);
  });

  it.each(named)("from the number: %s <- %i", (name, value) => {
    const error = new SamError(value, "message");
    expect(error.code).toBe(name);
    expect(error.csError).toBe(value);
  });

  it.each([0, 1, 29, 42, 1000])("from an unknown number %i: code CS_ERR_UNKNOWN_<n>, csError kept", (value) => {
    const error = new SamError(value, "odd");
    expect(error.code).toBe(`CS_ERR_UNKNOWN_${value}`);
    expect(error.csError).toBe(value);
  });

  it("is an Error with name, message and stack", () => {
    const error = new SamError("CS_ERR_BAD_HANDLE", "@samkit/core: start() needs state REGISTERED");
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(SamError);
    expect(error.name).toBe("SamError");
    expect(error.message).toBe("@samkit/core: start() needs state REGISTERED");
    expect(error.stack).toContain("SamError");
    expect(String(error)).toBe("SamError: @samkit/core: start() needs state REGISTERED");
  });

  it("keeps the cause", () => {
    const cause = new Error("EPIPE");
    const error = new SamError("CS_ERR_LIBRARY", "wrapped", { cause });
    expect(error.cause).toBe(cause);
  });

  it("keeps a non-Error cause", () => {
    expect(new SamError("CS_ERR_LIBRARY", "wrapped", { cause: "text" }).cause).toBe("text");
    expect(new SamError("CS_ERR_LIBRARY", "wrapped", { cause: 0 }).cause).toBe(0);
  });

  it("has no cause property without one", () => {
    expect("cause" in new SamError("CS_ERR_LIBRARY", "plain")).toBe(false);
    expect("cause" in new SamError("CS_ERR_LIBRARY", "plain", {})).toBe(false);
  });

  it("carries the global marker", () => {
    const error = new SamError("CS_ERR_LIBRARY", "x") as unknown as Record<symbol, unknown>;
    expect(error[Symbol.for("samkit.SamError")]).toBe(true);
  });

  describe("isInstance", () => {
    it("is true for a SamError", () => {
      expect(SamError.isInstance(new SamError("CS_ERR_TRY_AGAIN", "x"))).toBe(true);
    });

    it("is true for a SamError from a second copy (an object carrying the Symbol.for marker)", () => {
      // What another copy of @samkit/core builds: its own class, the same global marker.
      const foreignMarker: unique symbol = Symbol.for("samkit.SamError") as never;
      class ForeignSamError extends Error {
        readonly code = "CS_ERR_BAD_HANDLE";
        readonly csError = 9;
        readonly [foreignMarker] = true;
      }
      const foreign = new ForeignSamError("from the other copy");
      expect(foreign instanceof SamError).toBe(false);
      expect(SamError.isInstance(foreign)).toBe(true);
      expect(SamError.isInstance({ [Symbol.for("samkit.SamError")]: true })).toBe(true);
    });

    it("is true across a freshly loaded second copy of the module", async () => {
      vi.resetModules();
      const second = (await import("../src/index.js")) as typeof import("../src/index.js");
      expect(second.SamError).not.toBe(SamError);
      const error = new second.SamError("CS_ERR_EXIST", "other copy");
      expect(error instanceof SamError).toBe(false);
      expect(SamError.isInstance(error)).toBe(true);
      expect(second.SamError.isInstance(new SamError("CS_ERR_EXIST", "this copy"))).toBe(true);
    });

    it.each<[string, unknown]>([
      ["an Error", new Error("x")],
      ["null", null],
      ["undefined", undefined],
      ["a string", "SamError"],
      ["a number", 9],
      ["a plain object", { code: "CS_ERR_BAD_HANDLE", csError: 9, name: "SamError" }],
      ["a marker that is not true", { [Symbol.for("samkit.SamError")]: "true" }],
      ["a marker of 1", { [Symbol.for("samkit.SamError")]: 1 }],
      ["a local symbol of the same description", { [Symbol("samkit.SamError")]: true }],
      ["a string key", { "samkit.SamError": true }],
      ["a function", () => {}],
    ])("is false for %s", (_what, value) => {
      expect(SamError.isInstance(value)).toBe(false);
    });
  });
});

describe("samErrorFromSystemError", () => {
  const errnoError = (code: string | undefined, message = `${code ?? "no code"} happened`) =>
    Object.assign(new Error(message), code === undefined ? {} : { code });

  it.each<[string, CsErrorName]>([
    ["ENOMEM", "CS_ERR_NO_MEMORY"],
    ["EACCES", "CS_ERR_ACCESS"],
    ["EPERM", "CS_ERR_ACCESS"],
    ["ENOENT", "CS_ERR_NOT_EXIST"],
    ["EEXIST", "CS_ERR_EXIST"],
    ["ENOSPC", "CS_ERR_NO_SPACE"],
    ["EDQUOT", "CS_ERR_NO_SPACE"],
    ["EAGAIN", "CS_ERR_TRY_AGAIN"],
    ["EBUSY", "CS_ERR_TRY_AGAIN"],
    ["EFBIG", "CS_ERR_TOO_BIG"],
    ["E2BIG", "CS_ERR_TOO_BIG"],
    ["ENAMETOOLONG", "CS_ERR_NAME_TOO_LONG"],
    ["ETIMEDOUT", "CS_ERR_TIMEOUT"],
    ["ELOOP", "CS_ERR_SECURITY"],
    ["EIO", "CS_ERR_LIBRARY"],
    ["EPIPE", "CS_ERR_LIBRARY"],
    ["ECONNRESET", "CS_ERR_LIBRARY"],
    ["ERR_SOMETHING_NODE", "CS_ERR_LIBRARY"],
  ])("%s -> %s, with context, detail and the original as cause", (errno, code) => {
    const original = errnoError(errno);
    const error = samErrorFromSystemError(original, "@samkit/backend-fork: starting instance 3");
    expect(error).toBeInstanceOf(SamError);
    expect(error.code).toBe(code);
    expect(error.csError).toBe(csErrors[code]);
    expect(error.message).toBe(`@samkit/backend-fork: starting instance 3: ${errno} happened`);
    expect(error.cause).toBe(original);
  });

  it("an Error without a code -> CS_ERR_LIBRARY", () => {
    const original = errnoError(undefined, "weird");
    const error = samErrorFromSystemError(original, "ctx");
    expect(error.code).toBe("CS_ERR_LIBRARY");
    expect(error.message).toBe("ctx: weird");
    expect(error.cause).toBe(original);
  });

  it.each<[string, unknown, string]>([
    ["a string", "boom", "ctx: boom"],
    ["a number", 42, "ctx: 42"],
    ["null", null, "ctx: null"],
    ["undefined", undefined, "ctx: undefined"],
    ["an object with an errno code", { code: "ENOENT" }, "ctx: [object Object]"],
  ])("a thrown %s is wrapped, not re-thrown", (_what, value, message) => {
    const error = samErrorFromSystemError(value, "ctx");
    expect(error).toBeInstanceOf(SamError);
    expect(error.message).toBe(message);
  });

  it("reads the code of a non-Error object too", () => {
    expect(samErrorFromSystemError({ code: "ENOENT" }, "ctx").code).toBe("CS_ERR_NOT_EXIST");
  });

  it("a real fs error: ENOENT -> CS_ERR_NOT_EXIST", () => {
    let thrown: unknown;
    try {
      readFileSync(join(tmpdir(), `samkit-missing-${process.pid}-${Date.now()}`));
    } catch (error) {
      thrown = error;
    }
    const error = samErrorFromSystemError(thrown, "@samkit/store-file: loading");
    expect(error.code).toBe("CS_ERR_NOT_EXIST");
    expect(error.message).toMatch(/^@samkit\/store-file: loading: ENOENT/);
    expect(error.cause).toBe(thrown);
  });

  it("passes a SamError through unchanged", () => {
    const original = new SamError("CS_ERR_TOO_BIG", "already mapped");
    expect(samErrorFromSystemError(original, "ctx")).toBe(original);
  });

  it("passes a SamError of another copy through unchanged", () => {
    const foreign = Object.assign(new Error("foreign"), { code: "ENOENT", [Symbol.for("samkit.SamError")]: true });
    expect(samErrorFromSystemError(foreign, "ctx")).toBe(foreign);
  });
});
