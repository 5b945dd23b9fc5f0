// The TypeScript side without the real libsam: the agent's command line, the hand-over with an
// injected binding, and the loader's diagnoses (with real executables that are broken on purpose).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { manualQuorumSource, memoryDataStore, memoryStatePublisher, resolveOptions } from "@samkit/core";
import { corosyncCmap, corosyncQuorum } from "@samkit/quorum-corosync";
import { agentArguments, checkAgent, nativeBackend, type ExecBinding } from "../src/index.js";
import { inheritedDescriptors } from "../src/native-backend.js";

const entry = { command: "/usr/bin/node", args: ["--import", "tsx", "/app/main.ts", "--port", "80"] };

describe("agentArguments", () => {
  it("maps the options to libsam's, and the QUORUM and CMAP flags to libsam's own", () => {
    const options = resolveOptions({ interval: 1500, recovery: "restart", quorum: corosyncQuorum(), cmap: corosyncCmap(), maxDataSize: 4096 });
    expect(agentArguments({ agentPath: "/a/sam-agent", options, warnSignal: "SIGUSR2", entry, dataFd: 9, healthCheckTimeout: 300, events: { fd: 1, prefix: "> " } })).toEqual([
      "/a/sam-agent", "--interval", "1500", "--recovery", "restart", "--quorum", "--cmap", "--warn-signal", "12", "--max-data-size", "4096",
      "--data-fd", "9", "--hc-timeout", "300", "--events-fd", "1", "--events-prefix", "> ",
      "--", "/usr/bin/node", "--import", "tsx", "/app/main.ts", "--port", "80",
    ]);
  });

  it("refuses what libsam cannot do, saying what to use instead", () => {
    const base = { agentPath: "/a", warnSignal: "SIGTERM" as const, entry, dataFd: undefined, healthCheckTimeout: undefined, events: undefined };
    expect(() => agentArguments({ ...base, options: resolveOptions({ interval: 1, recovery: "quit", store: memoryDataStore() }) })).toThrowError(
      expect.objectContaining({ code: "CS_ERR_NOT_SUPPORTED", message: expect.stringContaining("use @samkit/backend-fork for a durable store") }),
    );
    expect(() => agentArguments({ ...base, options: resolveOptions({ interval: 1, recovery: "quit", quorum: manualQuorumSource() }) })).toThrowError(/libsam only knows corosync's quorum/);
    // A plugin is corosync's by its mark, not by its name.
    const namedLikeCorosync = { ...manualQuorumSource(), name: "corosync" };
    expect(() => agentArguments({ ...base, options: resolveOptions({ interval: 1, recovery: "quit", quorum: namedLikeCorosync }) })).toThrowError(/libsam only knows corosync's quorum/);
    expect(() => agentArguments({ ...base, options: resolveOptions({ interval: 1, recovery: "quit", cmap: memoryStatePublisher() }) })).toThrowError(/libsam only publishes to corosync's CMAP/);
  });
});

describe("the hand-over", () => {
  it("register() in an unsupervised process execs sam-agent with the data and the descriptors to inherit", async () => {
    const calls: { path: string; argv: readonly string[]; env: readonly string[]; inherit: readonly number[] }[] = [];
    const binding: ExecBinding = {
      execve(path, argv, env, inherit) {
        calls.push({ path, argv, env, inherit });
        throw Object.assign(new Error("execve: test"), { code: "ETEST" });
      },
      dataDescriptor: () => 42,
    };
    const backend = nativeBackend({ binding });
    expect(backend.role()).toBe("supervisor");
    const options = resolveOptions({ interval: 100, recovery: "quit" });
    await expect(backend.register({ options, data: Uint8Array.of(1, 2), warnSignal: "SIGTERM" })).rejects.toMatchObject({
      code: "CS_ERR_LIBRARY",
      message: expect.stringContaining("cannot hand this process over"),
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.path).toBe(checkAgent());
    expect(calls[0]!.argv).toContain("--data-fd");
    expect(calls[0]!.argv[calls[0]!.argv.indexOf("--data-fd") + 1]).toBe("42");
    expect(calls[0]!.inherit).toEqual([0, 1, 2, 42]);
    expect(calls[0]!.env).toContain(`PATH=${process.env.PATH}`);
  });

  it("a second register() in one process is refused", async () => {
    const failing: ExecBinding = { execve: () => { throw new Error("execve: test"); }, dataDescriptor: () => 3 };
    const request = { options: resolveOptions({ interval: 1, recovery: "quit" }), data: null, warnSignal: "SIGTERM" as const };
    // The first register() of this process (here, or in the test above) takes the one registration.
    await nativeBackend({ binding: failing }).register(request).catch(() => {});
    await expect(nativeBackend({ binding: failing }).register(request)).rejects.toMatchObject({ code: "CS_ERR_BAD_HANDLE" });
  });

  it("passes systemd's sockets only when they are this process's", () => {
    expect(inheritedDescriptors(undefined, { LISTEN_PID: "77", LISTEN_FDS: "2" }, 77)).toEqual([0, 1, 2, 3, 4]);
    expect(inheritedDescriptors(7, { LISTEN_PID: "78", LISTEN_FDS: "2" }, 77)).toEqual([0, 1, 2, 7]);
  });

  it("validates its options", () => {
    expect(() => nativeBackend({ speed: 1 } as never)).toThrowError(/no option "speed"/);
    expect(() => nativeBackend({ healthCheckTimeout: 0 })).toThrowError(/healthCheckTimeout/);
    expect(() => nativeBackend({ events: { fd: -1 } })).toThrowError(/options.events/);
  });
});

describe("the loader", () => {
  it("a missing sam-agent: says it is not there, what to install and the command that builds it", () => {
    expect(() => checkAgent("/nowhere/sam-agent")).toThrowError(
      expect.objectContaining({ code: "CS_ERR_LIBRARY", message: expect.stringMatching(/^@samkit\/backend-native: sam-agent, the libsam server \(sam-agent\) is not there: .*apt-get install g\+\+ make python3 pkg-config libsam-dev libcorosync-common-dev \(Debian\/Ubuntu\), then in your project: npm rebuild @samkit\/backend-native /) }),
    );
  });

  it("a sam-agent whose libsam is missing: says which package to install", () => {
    // A real executable linked against a libsam that is then removed, as on a machine without it.
    const folder = mkdtempSync(join(tmpdir(), "samkit-agent-"));
    try {
      writeFileSync(join(folder, "stub.c"), "int sam_stub(void) { return 1; }\n");
      writeFileSync(join(folder, "agent.c"), "extern int sam_stub(void); int main(void) { return sam_stub(); }\n");
      for (const args of [["-shared", "-fPIC", "-o", "libsam.so.77", "-Wl,-soname,libsam.so.77", "stub.c"], ["-o", "sam-agent", "agent.c", "-L.", "-l:libsam.so.77"]]) {
        const result = spawnSync("cc", args, { cwd: folder, encoding: "utf8" });
        expect(result.status, result.stderr).toBe(0);
      }
      rmSync(join(folder, "libsam.so.77"));
      expect(() => checkAgent(join(folder, "sam-agent"))).toThrowError(
        expect.objectContaining({ code: "CS_ERR_LIBRARY", message: expect.stringMatching(/needs the system library libsam\.so\.77, which is not installed\. Install it: apt-get install libsam4 [\s\S]*libsam\.so\.77/) }),
      );
      writeFileSync(join(folder, "sam-agent"), "#!/bin/sh\nexit 3\n");
      chmodSync(join(folder, "sam-agent"), 0o755);
      expect(() => checkAgent(join(folder, "sam-agent"))).toThrowError(/is there but does not load\. To build it from source: [\s\S]*exit code 3/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("the built sam-agent passes its check, and refuses bad usage with exit 2", () => {
    const agent = checkAgent();
    expect(checkAgent(agent)).toBe(agent);
    expect(agent).toMatch(/native\/build\/Release\/sam-agent$/);
    for (const args of [[], ["--interval", "-5", "--recovery", "quit", "--", "true"], ["--interval", "100", "--recovery", "reboot", "--", "true"], ["--interval", "100", "--recovery", "quit"], ["--bogus"]]) {
      const result = spawnSync(agent, args, { encoding: "utf8" });
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/^sam-agent: .*\nusage: sam-agent/);
    }
  });
});
