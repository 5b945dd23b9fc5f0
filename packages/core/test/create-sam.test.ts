// The SAM facade with a loopback backend: what createSam does around the backend (states, the
// local shadow, plugins in the supervisor role). Real processes are @samkit/conformance's job.
import { describe, expect, it, vi } from "vitest";
import {
  createSam,
  manualQuorumSource,
  memoryDataStore,
  SamError,
  specificationVersion,
  type InstanceLink,
  type ProcessRole,
  type RegisterRequest,
  type SupervisionBackend,
} from "../src/index.js";

function loopbackBackend(role: ProcessRole, registration: { data?: Uint8Array | null; warnSignal?: NodeJS.Signals; interval?: number } = {}) {
  const calls: string[] = [];
  const requests: RegisterRequest[] = [];
  const link: InstanceLink = {
    start: vi.fn(async () => void calls.push("start")),
    stop: vi.fn(async () => void calls.push("stop")),
    heartbeat: vi.fn(() => void calls.push("heartbeat")),
    dataStore: vi.fn(async (data: Uint8Array | null) => void calls.push(`dataStore:${data?.byteLength ?? "null"}`)),
    warnSignalSet: vi.fn(async (signal: NodeJS.Signals) => void calls.push(`warnSignalSet:${signal}`)),
    markFailed: vi.fn(async () => void calls.push("markFailed")),
  };
  const backend: SupervisionBackend = {
    specificationVersion,
    name: "loopback",
    role: () => role,
    async register(request) {
      requests.push(request);
      return {
        instanceId: 4,
        data: registration.data ?? null,
        warnSignal: registration.warnSignal ?? "SIGTERM",
        interval: registration.interval ?? request.options.interval,
        link,
      };
    },
  };
  return { backend, calls, requests, link };
}

describe("createSam", () => {
  it("refuses a missing or foreign backend", () => {
    expect(() => createSam(undefined as never)).toThrow(SamError);
    expect(() => createSam({ backend: {} as never })).toThrowError(expect.objectContaining({ code: "CS_ERR_VERSION" }));
    expect(() => createSam({ backend: { specificationVersion: "v1", name: "x" } as never })).toThrowError(expect.objectContaining({ code: "CS_ERR_INVALID_PARAM" }));
  });

  it("walks NOT_INITIALIZED -> INITIALIZED -> REGISTERED -> STARTED -> REGISTERED -> FINALIZED", async () => {
    const { backend, calls } = loopbackBackend("instance");
    const sam = createSam({ backend });
    expect(sam.state).toBe("NOT_INITIALIZED");
    await sam.initialize({ interval: 100, recovery: "restart" });
    expect(sam.state).toBe("INITIALIZED");
    expect(await sam.register()).toBe(4);
    expect(sam.instanceId).toBe(4);
    expect(sam.state).toBe("REGISTERED");
    await sam.start();
    expect(sam.state).toBe("STARTED");
    sam.hcSend();
    await sam.stop();
    expect(sam.state).toBe("REGISTERED");
    await sam.start();
    await sam.finalize();
    expect(sam.state).toBe("FINALIZED");
    expect(calls).toEqual(["start", "heartbeat", "stop", "start", "stop"]);
  });

  it("hands the local shadow to register() and takes the supervisor's copy back", async () => {
    const { backend, requests } = loopbackBackend("instance", { data: Uint8Array.of(9, 9), warnSignal: "SIGUSR2" });
    const sam = createSam({ backend });
    await sam.initialize({ interval: 100, recovery: "restart", warnSignal: "SIGHUP" });
    await sam.dataStore(Uint8Array.of(1, 2, 3));
    await sam.register();
    expect(requests[0]!.data).toEqual(Uint8Array.of(1, 2, 3));
    expect(requests[0]!.warnSignal).toBe("SIGHUP");
    expect(sam.dataRestore()).toEqual(Uint8Array.of(9, 9));
  });

  it("copies data in and out, so callers can reuse their buffers", async () => {
    const { backend } = loopbackBackend("instance");
    const sam = createSam({ backend });
    await sam.initialize({ interval: 0, recovery: "quit" });
    const buffer = Uint8Array.of(1, 2, 3);
    await sam.dataStore(buffer);
    buffer[0] = 42;
    const restored = sam.dataRestore()!;
    expect(restored).toEqual(Uint8Array.of(1, 2, 3));
    restored[1] = 42;
    expect(sam.dataRestore()).toEqual(Uint8Array.of(1, 2, 3));
    const into = new Uint8Array(5);
    expect(sam.dataRestore(into)).toBe(into);
    expect([...into]).toEqual([1, 2, 3, 0, 0]);
    await sam.dataStore(new Uint8Array(0));
    expect(sam.dataGetSize()).toBe(0);
    expect(sam.dataRestore(new Uint8Array(1))).toBeNull();
  });

  it("keeps the old data when the supervisor refuses a store", async () => {
    const { backend, link } = loopbackBackend("instance");
    const sam = createSam({ backend });
    await sam.initialize({ interval: 0, recovery: "quit" });
    await sam.register();
    await sam.dataStore(Uint8Array.of(1));
    vi.mocked(link.dataStore).mockRejectedValueOnce(new SamError("CS_ERR_NO_SPACE", "disk full"));
    await expect(sam.dataStore(Uint8Array.of(2, 2))).rejects.toMatchObject({ code: "CS_ERR_NO_SPACE" });
    expect(sam.dataRestore()).toEqual(Uint8Array.of(1));
  });

  it("in the supervisor role, connects the quorum source and loads the store at initialize()", async () => {
    const { backend } = loopbackBackend("supervisor");
    const quorum = manualQuorumSource(true);
    const store = memoryDataStore(Uint8Array.of(7));
    const sam = createSam({ backend });
    await sam.initialize({ interval: 100, recovery: "restart", quorum, store });
    expect(quorum.connected).toBe(true);
    expect(sam.dataRestore()).toEqual(Uint8Array.of(7));
    await sam.dataStore(Uint8Array.of(8));
    expect(store.peek()).toEqual(Uint8Array.of(8));
    await sam.finalize();
    expect(quorum.connected).toBe(false);
    await expect(store.load()).rejects.toMatchObject({ code: "CS_ERR_BAD_HANDLE" });
  });

  it("in the instance role, leaves the plugins alone", async () => {
    const { backend } = loopbackBackend("instance");
    const quorum = manualQuorumSource(true);
    const store = memoryDataStore(Uint8Array.of(7));
    const sam = createSam({ backend });
    await sam.initialize({ interval: 100, recovery: "restart", quorum, store });
    expect(quorum.connected).toBe(false);
    expect(sam.dataGetSize()).toBe(0);
    await sam.dataStore(Uint8Array.of(8));
    expect(store.saves).toBe(0);
  });

  it("a store that fails to load fails initialize() and releases the quorum source", async () => {
    const { backend } = loopbackBackend("supervisor");
    const quorum = manualQuorumSource(true);
    const store = { ...memoryDataStore(), load: async () => { throw new SamError("CS_ERR_LIBRARY", "corrupt"); } };
    const sam = createSam({ backend });
    await expect(sam.initialize({ interval: 100, recovery: "restart", quorum, store })).rejects.toMatchObject({ code: "CS_ERR_LIBRARY" });
    expect(sam.state).toBe("NOT_INITIALIZED");
    expect(quorum.connected).toBe(false);
  });

  it("runs event-driven checks on the event loop, and delegates them to a backend that has its own", async () => {
    vi.useFakeTimers();
    try {
      const { backend, calls } = loopbackBackend("instance");
      const sam = createSam({ backend });
      await sam.initialize({ interval: 100, recovery: "restart" });
      await sam.register();
      let checks = 0;
      sam.hcCallbackRegister(() => ++checks > 0);
      await sam.start();
      await vi.advanceTimersByTimeAsync(200);
      expect(calls.filter((call) => call === "heartbeat")).toHaveLength(8);
      expect(checks).toBe(2);
      await sam.stop();
      await vi.advanceTimersByTimeAsync(200);
      expect(calls.filter((call) => call === "heartbeat")).toHaveLength(8);
    } finally {
      vi.useRealTimers();
    }
    const delegated = loopbackBackend("instance");
    const healthCheck = vi.fn();
    delegated.link.healthCheck = healthCheck;
    const sam = createSam({ backend: delegated.backend });
    await sam.initialize({ interval: 100, recovery: "restart" });
    await sam.register();
    const callback = () => true;
    sam.hcCallbackRegister(callback);
    sam.hcCallbackRegister(null);
    expect(healthCheck.mock.calls).toEqual([[callback], [null]]);
  });

  it("uses the supervisor's interval for hcCallbackRegister", async () => {
    const { backend } = loopbackBackend("instance", { interval: 0 });
    const sam = createSam({ backend });
    await sam.initialize({ interval: 100, recovery: "restart" });
    await sam.register();
    expect(() => sam.hcCallbackRegister(() => true)).toThrowError(expect.objectContaining({ code: "CS_ERR_INVALID_PARAM" }));
  });

  it("sets the warn signal locally before register() and through the supervisor after", async () => {
    const { backend, calls, requests } = loopbackBackend("instance");
    const sam = createSam({ backend });
    await sam.initialize({ interval: 100, recovery: "restart" });
    await sam.warnSignalSet("usr2" as NodeJS.Signals);
    await sam.register();
    expect(requests[0]!.warnSignal).toBe("SIGUSR2");
    await sam.warnSignalSet(9);
    expect(calls).toEqual(["warnSignalSet:SIGKILL"]);
  });

  it("a second start() while the first waits for the supervisor is refused, as libsam's mutex would", async () => {
    const { backend, link } = loopbackBackend("instance");
    let release!: () => void;
    vi.mocked(link.start).mockImplementationOnce(() => new Promise<void>((resolve) => (release = resolve)));
    const sam = createSam({ backend });
    await sam.initialize({ interval: 100, recovery: "restart" });
    await sam.register();
    const first = sam.start();
    await expect(sam.start()).rejects.toMatchObject({ code: "CS_ERR_BAD_HANDLE" });
    release();
    await first;
    expect(sam.state).toBe("STARTED");
  });
});
