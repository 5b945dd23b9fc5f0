// The loader's diagnosis, driven with addons that are missing or broken.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { corosyncCmap, corosyncQuorum, loadBinding, type NativeBinding } from "../src/index.js";

describe("loadBinding", () => {
  it("a missing addon: says it is not there, what to install and the command that builds it", () => {
    expect(() => loadBinding("/nowhere/samkit_corosync.node")).toThrowError(
      expect.objectContaining({
        code: "CS_ERR_LIBRARY",
        message: expect.stringMatching(/^@samkit\/quorum-corosync: the corosync addon \(samkit_corosync\.node\) is not there: .*apt-get install g\+\+ make python3 pkg-config libquorum-dev libcmap-dev \(Debian\/Ubuntu\), then in your project: npm rebuild @samkit\/quorum-corosync .*\n {2}Tried:\n {2}\/nowhere\/samkit_corosync\.node: not there/),
      }),
    );
  });

  it("a file that is not an addon: says to rebuild, and keeps the loader's error as cause", () => {
    const folder = mkdtempSync(join(tmpdir(), "samkit-addon-"));
    const broken = join(folder, "samkit_corosync.node");
    writeFileSync(broken, "not an ELF file");
    let caught: unknown;
    try {
      loadBinding(broken);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: "CS_ERR_LIBRARY", message: expect.stringContaining("is there but does not load. To build it from source") });
    expect((caught as Error).cause).toBeInstanceOf(Error);
  });

  it("an addon whose corosync library is missing: says which packages to install", () => {
    // A real shared object that needs a libquorum that is not there, as on a machine without the client libraries.
    const folder = mkdtempSync(join(tmpdir(), "samkit-addon-"));
    writeFileSync(join(folder, "stub.c"), "int quorum_stub(void) { return 1; }\n");
    writeFileSync(join(folder, "addon.c"), "extern int quorum_stub(void); int samkit_probe(void) { return quorum_stub(); }\n");
    const compile = (args: string[]) => {
      const result = spawnSync("cc", args, { cwd: folder, encoding: "utf8" });
      expect(result.status, result.stderr).toBe(0);
    };
    compile(["-shared", "-fPIC", "-o", "libquorum.so.77", "-Wl,-soname,libquorum.so.77", "stub.c"]);
    compile(["-shared", "-fPIC", "-o", "samkit_corosync.node", "addon.c", "-L.", "-l:libquorum.so.77"]);
    rmSync(join(folder, "libquorum.so.77"));
    expect(() => loadBinding(join(folder, "samkit_corosync.node"))).toThrowError(
      expect.objectContaining({ code: "CS_ERR_LIBRARY", message: expect.stringMatching(/needs the system library libquorum\.so\.77, which is not installed\. Install it: apt-get install libquorum5 libcmap4 [\s\S]*libquorum\.so\.77: cannot open shared object file/) }),
    );
  });

  it("finds the built addon", () => {
    const binding = loadBinding();
    expect(typeof binding.Quorum).toBe("function");
    expect(typeof binding.monotonicNanoseconds()).toBe("bigint");
  });

  it("takes an injected binding, and the plugins use it", async () => {
    const writes: string[] = [];
    const fake = {
      Quorum: class {
        constructor(onChange: (quorate: boolean) => void) {
          void onChange;
        }
        quorate() {
          return true;
        }
        close() {}
      },
      Cmap: class {
        setString(key: string, value: string) {
          writes.push(`${key}=${value}`);
        }
        setUint64(key: string, value: bigint) {
          writes.push(`${key}=${value}`);
        }
        touch(key: string) {
          writes.push(`${key}=now`);
        }
        get() {
          return undefined;
        }
        keys() {
          return ["resources.process.7.state"];
        }
        deleteKey(key: string) {
          writes.push(`delete ${key}`);
        }
        close() {}
      },
      monotonicNanoseconds: () => 1n,
    } as unknown as NativeBinding;
    expect(loadBinding(fake)).toBe(fake);
    const source = corosyncQuorum({ binding: fake });
    await source.connect();
    expect(source.isQuorate()).toBe(true);
    const cmap = corosyncCmap({ binding: fake });
    await cmap.register({ pid: 7, recovery: "restart", pollPeriod: 100 });
    cmap.touch();
    await cmap.setState("running");
    await cmap.setRecovery("quit");
    await cmap.remove();
    expect(writes).toEqual([
      "resources.process.7.recovery=restart",
      "resources.process.7.poll_period=100",
      "resources.process.7.last_updated=now",
      "resources.process.7.state=running",
      "resources.process.7.recovery=quit",
      "delete resources.process.7.state",
    ]);
  });

  it("a CMAP write that fails is retried once on a new connection, then reported", async () => {
    let opened = 0;
    let failing = true;
    const fake = {
      Cmap: class {
        constructor() {
          opened++;
        }
        setString() {
          if (failing) throw Object.assign(new Error("cmap_set_string failed"), { csError: 2, call: "cmap_set_string" });
        }
        setUint64() {}
        touch() {
          if (failing) throw Object.assign(new Error("cmap_set_uint64 failed"), { csError: 2, call: "cmap_set_uint64" });
        }
        close() {}
      },
    } as unknown as NativeBinding;
    const errors: string[] = [];
    const cmap = corosyncCmap({ binding: fake, onError: (error) => errors.push(error.code) });
    await expect(cmap.register({ pid: 8, recovery: "quit", pollPeriod: 1000 })).rejects.toMatchObject({
      code: "CS_ERR_LIBRARY",
      message: expect.stringContaining("Is corosync running?"),
    });
    expect(opened).toBe(2);
    failing = false;
    await cmap.register({ pid: 8, recovery: "quit", pollPeriod: 1000 });
    failing = true;
    await new Promise((resolve) => setTimeout(resolve, 300));
    cmap.touch();
    expect(errors).toEqual(["CS_ERR_LIBRARY"]);
    // Within the back-off a failed connection is not hammered.
    cmap.touch();
    expect(errors).toEqual(["CS_ERR_LIBRARY"]);
  });
});
