import { constants } from "node:os";
import { describe as group, expect, it } from "vitest";
import {
  SamError,
  assertPlugin,
  defaultMaxDataSize,
  describe,
  manualQuorumSource,
  maxInterval,
  memoryDataStore,
  memoryStatePublisher,
  parseSignal,
  resolveOptions,
  signalName,
  signalNumber,
  specificationVersion,
  validateInterval,
  validateRecovery,
} from "../src/index.js";
import type { CsErrorName, SignalName } from "../src/index.js";

const signalNumbers = constants.signals as Record<string, number>;

/** Runs `action`, expects a SamError with `code`, and returns it for further checks. */
function expectSamError(action: () => unknown, code: CsErrorName): SamError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(SamError.isInstance(thrown), `expected a SamError ${code}, got ${String(thrown)}`).toBe(true);
  const error = thrown as SamError;
  expect(error.code).toBe(code);
  return error;
}

group("parseSignal", () => {
  it.each<[unknown, SignalName]>([
    ["SIGTERM", "SIGTERM"],
    ["sigterm", "SIGTERM"],
    ["SigTerm", "SIGTERM"],
    ["TERM", "SIGTERM"],
    ["term", "SIGTERM"],
    ["SIGUSR2", "SIGUSR2"],
    ["usr2", "SIGUSR2"],
    ["USR2", "SIGUSR2"],
    ["Usr1", "SIGUSR1"],
    ["kill", "SIGKILL"],
    ["SIGKILL", "SIGKILL"],
    ["hup", "SIGHUP"],
    ["int", "SIGINT"],
  ])("%j -> %s", (value, expected) => {
    expect(parseSignal(value)).toBe(expected);
  });

  it.each<SignalName>(["SIGHUP", "SIGINT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGTERM", "SIGSEGV"])(
    "the number of %s -> its name",
    (name) => {
      expect(parseSignal(signalNumbers[name])).toBe(name);
    },
  );

  it("the POSIX numbers 1, 2, 9, 15", () => {
    expect(parseSignal(1)).toBe("SIGHUP");
    expect(parseSignal(2)).toBe("SIGINT");
    expect(parseSignal(9)).toBe("SIGKILL");
    expect(parseSignal(15)).toBe("SIGTERM");
  });

  it.each<[string, unknown]>([
    ["0", 0],
    ["-0", -0],
    ["-15", -15],
    ["1.5", 1.5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["an unknown number", 999],
    ["the empty string", ""],
    ["'SIG'", "SIG"],
    ["an unknown name", "SIGFOO"],
    ["an unknown short name", "foo"],
    ["a numeric string", "15"],
    ["'0'", "0"],
    ["a name with spaces", " SIGTERM"],
    ["a name with a trailing space", "SIGTERM "],
    ["a very long string", "SIGTERM".padEnd(40, "X")],
    ["'constructor'", "constructor"],
    ["'__proto__'", "__proto__"],
    ["null", null],
    ["undefined", undefined],
    ["an object", {}],
    ["an object naming a signal", { signal: "SIGTERM" }],
    ["a String object", new String("SIGTERM")],
    ["an array", ["SIGTERM"]],
    ["true", true],
    ["a bigint", 15n],
    ["a function", () => "SIGTERM"],
    ["a symbol", Symbol("SIGTERM")],
  ])("rejects %s with CS_ERR_INVALID_PARAM", (_what, value) => {
    const error = expectSamError(() => parseSignal(value), "CS_ERR_INVALID_PARAM");
    expect(error.message).toMatch(/^@samkit\/core: signal must be a signal name/);
  });

  it("names the argument in the message and renders the bad value", () => {
    const error = expectSamError(() => parseSignal("nope", "options.warnSignal"), "CS_ERR_INVALID_PARAM");
    expect(error.message).toContain("options.warnSignal");
    expect(error.message).toContain('got "nope"');
  });

  const aliasesShareNumbers = signalNumbers.SIGIOT === signalNumbers.SIGABRT && signalNumbers.SIGPOLL === signalNumbers.SIGIO;
  group.runIf(aliasesShareNumbers)("signals with two names (SIGABRT/SIGIOT, SIGIO/SIGPOLL)", () => {
    it("accepts both spellings by name", () => {
      expect(parseSignal("abrt")).toBe("SIGABRT");
      expect(parseSignal("iot")).toBe("SIGIOT");
    });

    it("a number maps to the name Node reports for a child's death (SIGABRT, SIGIO), not the later alias", () => {
      expect(parseSignal(signalNumbers.SIGABRT)).toBe("SIGABRT");
      expect(signalName(signalNumbers.SIGIO as number)).toBe("SIGIO");
    });
  });
});

group("signalNumber and signalName", () => {
  it.each<SignalName>(["SIGTERM", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGINT"])("%s round-trips", (name) => {
    const value = signalNumber(name);
    expect(value).toBe(signalNumbers[name]);
    expect(signalName(value)).toBe(name);
  });

  it("signalNumber rejects an unknown name", () => {
    expectSamError(() => signalNumber("SIGNOPE" as SignalName), "CS_ERR_INVALID_PARAM");
  });

  it.each([0, -1, 999, 1.5])("signalName(%s) is undefined", (value) => {
    expect(signalName(value)).toBeUndefined();
  });
});

group("describe (rendering of bad arguments)", () => {
  it.each<[unknown, string]>([
    [null, "null"],
    [undefined, "undefined"],
    ["abc", '"abc"'],
    ["x".repeat(40), JSON.stringify("x".repeat(40))],
    ["x".repeat(41), JSON.stringify(`${"x".repeat(40)}…`)],
    [12, "12"],
    [Number.NaN, "NaN"],
    [true, "true"],
    [10n, "10"],
    [() => 1, "a function"],
    [[1, 2], "an array"],
    [new Uint8Array(3), "a Uint8Array of 3 bytes"],
    [Buffer.from("hello"), "a Buffer of 5 bytes"],
    [Symbol("s"), "a symbol"],
  ])("%s -> %s", (value, expected) => {
    expect(describe(value)).toBe(expected);
  });

  it("an object is not dumped", () => {
    expect(describe({ password: "secret" })).not.toContain("secret");
  });
});

group("validateInterval and validateRecovery", () => {
  it.each([0, 1, 2000, maxInterval])("accepts %i", (value) => {
    expect(validateInterval(value)).toBe(value);
  });

  it("maxInterval is 2^31 - 1", () => {
    expect(maxInterval).toBe(2_147_483_647);
  });

  it("names the option in the message", () => {
    const error = expectSamError(() => validateInterval(-1, "restartWindow"), "CS_ERR_INVALID_PARAM");
    expect(error.message).toContain("restartWindow");
    expect(error.message).toContain("got -1");
  });

  it.each(["quit", "restart"] as const)("validateRecovery accepts %s", (value) => {
    expect(validateRecovery(value)).toBe(value);
  });
});

group("resolveOptions", () => {
  it("fills in the defaults", () => {
    expect(resolveOptions({ interval: 2000, recovery: "restart" })).toEqual({
      interval: 2000,
      recovery: "restart",
      quorum: undefined,
      cmap: undefined,
      store: undefined,
      warnSignal: "SIGTERM",
      maxDataSize: defaultMaxDataSize,
    });
    expect(defaultMaxDataSize).toBe(64 * 1024 * 1024);
  });

  it.each([0, 1, 1000, maxInterval])("accepts interval %i", (interval) => {
    expect(resolveOptions({ interval, recovery: "quit" }).interval).toBe(interval);
  });

  it.each<[string, unknown]>([
    ["negative", -1],
    ["negative and large", -2000],
    ["fractional", 1.5],
    ["a small fraction", 0.1],
    ["negative fractional", -0.5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["a numeric string", "1000"],
    ["an empty string", ""],
    ["null", null],
    ["missing", undefined],
    ["a boolean", true],
    ["a bigint", 1000n],
    ["an object", { ms: 1000 }],
    ["an array", [1000]],
    ["maxInterval + 1", maxInterval + 1],
    ["2^32", 2 ** 32],
    ["Number.MAX_SAFE_INTEGER", Number.MAX_SAFE_INTEGER],
  ])("rejects interval %s with CS_ERR_INVALID_PARAM", (_what, interval) => {
    const error = expectSamError(() => resolveOptions({ interval, recovery: "restart" }), "CS_ERR_INVALID_PARAM");
    expect(error.message).toContain("interval must be an integer number of milliseconds from 0 to 2147483647");
  });

  it.each<[string, unknown]>([
    ["a capitalised name", "Restart"],
    ["upper case", "QUIT"],
    ["an unknown policy", "ignore"],
    ["a padded name", "restart "],
    ["the empty string", ""],
    ["missing", undefined],
    ["null", null],
    ["a number", 1],
    ["libsam's constant name", "SAM_RECOVERY_POLICY_RESTART"],
  ])("rejects recovery %s with CS_ERR_INVALID_PARAM", (_what, recovery) => {
    const error = expectSamError(() => resolveOptions({ interval: 1000, recovery }), "CS_ERR_INVALID_PARAM");
    expect(error.message).toContain("recovery must be 'quit' or 'restart'");
  });

  it.each(["intervall", "timeout", "Recovery", "warn_signal", "restart_limit"])("rejects the unknown option %s", (key) => {
    const error = expectSamError(() => resolveOptions({ interval: 1000, recovery: "quit", [key]: 1 }), "CS_ERR_INVALID_PARAM");
    expect(error.message).toContain(JSON.stringify(key));
  });

  it("rejects an own __proto__ key (from JSON)", () => {
    const options: unknown = JSON.parse('{"interval":1000,"recovery":"quit","__proto__":{"x":1}}');
    expectSamError(() => resolveOptions(options), "CS_ERR_INVALID_PARAM");
  });

  it("checks unknown keys before the values", () => {
    const error = expectSamError(() => resolveOptions({ interval: -1, recovery: "quit", nope: 1 }), "CS_ERR_INVALID_PARAM");
    expect(error.message).toContain('"nope"');
  });

  it("an option set to undefined is the same as a missing one", () => {
    expect(
      resolveOptions({ interval: 10, recovery: "quit", quorum: undefined, cmap: undefined, store: undefined, warnSignal: undefined, maxDataSize: undefined }),
    ).toEqual(resolveOptions({ interval: 10, recovery: "quit" }));
  });

  it.each<[string, unknown]>([
    ["null", null],
    ["undefined", undefined],
    ["a number", 2000],
    ["a string", "restart"],
    ["an array", [2000, "restart"]],
    ["a function", () => ({ interval: 1, recovery: "quit" })],
  ])("rejects %s as the options", (_what, options) => {
    const error = expectSamError(() => resolveOptions(options), "CS_ERR_INVALID_PARAM");
    expect(error.message).toContain("initialize() takes an options object");
  });

  it.each<[unknown, SignalName]>([
    ["SIGUSR2", "SIGUSR2"],
    ["usr1", "SIGUSR1"],
    ["KILL", "SIGKILL"],
    [15, "SIGTERM"],
  ])("warnSignal %j -> %s", (warnSignal, expected) => {
    expect(resolveOptions({ interval: 1000, recovery: "quit", warnSignal }).warnSignal).toBe(expected);
  });

  it.each<[string, unknown]>([
    ["an unknown name", "SIGNOPE"],
    ["0", 0],
    ["null", null],
    ["an object", {}],
  ])("rejects warnSignal %s, naming options.warnSignal", (_what, warnSignal) => {
    const error = expectSamError(() => resolveOptions({ interval: 1000, recovery: "quit", warnSignal }), "CS_ERR_INVALID_PARAM");
    expect(error.message).toContain("options.warnSignal");
  });

  it.each([0, 1, 1024, defaultMaxDataSize, 1024 * 1024 * 1024])("accepts maxDataSize %i", (maxDataSize) => {
    expect(resolveOptions({ interval: 1000, recovery: "quit", maxDataSize }).maxDataSize).toBe(maxDataSize);
  });

  it.each<[string, unknown]>([
    ["1 GiB + 1", 1024 * 1024 * 1024 + 1],
    ["2 GiB", 2 * 1024 * 1024 * 1024],
    ["-1", -1],
    ["1.5", 1.5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a string", "1024"],
    ["null", null],
    ["a bigint", 1024n],
  ])("rejects maxDataSize %s", (_what, maxDataSize) => {
    const error = expectSamError(() => resolveOptions({ interval: 1000, recovery: "quit", maxDataSize }), "CS_ERR_INVALID_PARAM");
    expect(error.message).toContain("options.maxDataSize");
  });

  group("plugins", () => {
    const plugins = {
      quorum: { make: () => manualQuorumSource(), methods: ["connect", "isQuorate", "onChange", "close"] },
      cmap: { make: () => memoryStatePublisher(), methods: ["register", "setState", "setRecovery", "touch", "remove", "close"] },
      store: { make: () => memoryDataStore(), methods: ["load", "save", "close"] },
    } as const;
    const kinds = Object.keys(plugins) as (keyof typeof plugins)[];

    it("accepts the reference plugins and returns them as given", () => {
      const quorum = manualQuorumSource();
      const cmap = memoryStatePublisher();
      const store = memoryDataStore();
      const resolved = resolveOptions({ interval: 1000, recovery: "restart", quorum, cmap, store });
      expect(resolved.quorum).toBe(quorum);
      expect(resolved.cmap).toBe(cmap);
      expect(resolved.store).toBe(store);
    });

    it("accepts a plugin whose methods are on its prototype", () => {
      class Store {
        readonly specificationVersion = specificationVersion;
        readonly name = "class-based";
        async load() {
          return null;
        }
        async save() {}
        async close() {}
      }
      const store = new Store();
      expect(resolveOptions({ interval: 1000, recovery: "quit", store }).store).toBe(store);
    });

    const versions: [string, unknown][] = [
      ["v0", "v0"],
      ["v2", "v2"],
      ["V1", "V1"],
      ["1", 1],
      ["missing", undefined],
      ["null", null],
    ];
    it.each(kinds.flatMap((kind) => versions.map(([what, version]) => [kind, what, version] as const)))(
      "%s with specificationVersion %s -> CS_ERR_VERSION",
      (kind, _what, version) => {
        const plugin = { ...plugins[kind].make(), specificationVersion: version };
        const error = expectSamError(() => resolveOptions({ interval: 1000, recovery: "quit", [kind]: plugin }), "CS_ERR_VERSION");
        expect(error.message).toContain(`options.${kind}`);
        expect(error.message).toContain("'v1'");
      },
    );

    it.each(kinds.flatMap((kind) => plugins[kind].methods.map((method) => [kind, method] as const)))(
      "%s without %s() -> CS_ERR_INVALID_PARAM",
      (kind, method) => {
        const plugin: Record<string, unknown> = { ...plugins[kind].make() };
        delete plugin[method];
        const error = expectSamError(() => resolveOptions({ interval: 1000, recovery: "quit", [kind]: plugin }), "CS_ERR_INVALID_PARAM");
        expect(error.message).toContain(`${method}()`);
        expect(error.message).toContain(`options.${kind}`);
      },
    );

    it.each(kinds)("%s with a method that is not a function -> CS_ERR_INVALID_PARAM", (kind) => {
      const plugin: Record<string, unknown> = { ...plugins[kind].make(), close: "close" };
      expectSamError(() => resolveOptions({ interval: 1000, recovery: "quit", [kind]: plugin }), "CS_ERR_INVALID_PARAM");
    });

    it.each(kinds.flatMap((kind) => ([null, "plugin", 5, true] as unknown[]).map((value) => [kind, value] as const)))(
      "%s set to %j -> CS_ERR_INVALID_PARAM",
      (kind, value) => {
        expectSamError(() => resolveOptions({ interval: 1000, recovery: "quit", [kind]: value }), "CS_ERR_INVALID_PARAM");
      },
    );
  });
});

group("assertPlugin", () => {
  it("checks the version before the methods", () => {
    expectSamError(() => assertPlugin({ specificationVersion: "v9" }, "DataStore", "store", ["load"]), "CS_ERR_VERSION");
  });

  it("passes a complete plugin", () => {
    expect(() => assertPlugin({ specificationVersion: "v1", load() {} }, "DataStore", "store", ["load"])).not.toThrow();
  });

  it("specificationVersion is 'v1'", () => {
    expect(specificationVersion).toBe("v1");
  });
});
