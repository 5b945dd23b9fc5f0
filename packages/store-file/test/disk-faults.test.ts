// A full disk and a read-only folder under the store: a clear error, the old data kept. Needs a
// small tmpfs, which only root can mount; CI (root, SAMKIT_REQUIRE_COROSYNC=1) requires it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileStore } from "../src/index.js";

const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), "samkit-mount-"));
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]).status === 0;
  if (mounted) spawnSync("umount", [probe]);
  rmdirSync(probe);
  return mounted;
})();
const required = process.env.SAMKIT_REQUIRE_COROSYNC === "1";

describe.skipIf(!canMount && !required)("disk faults (a 64 KiB tmpfs)", () => {
  let folder: string;
  beforeEach(() => {
    expect(canMount, "cannot mount a tmpfs (needs root)").toBe(true);
    folder = mkdtempSync(join(tmpdir(), "samkit-disk-"));
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", folder]).status).toBe(0);
  });
  afterEach(() => {
    spawnSync("umount", [folder]);
    rmdirSync(folder);
  });

  it("a full disk: CS_ERR_NO_SPACE naming the file, and the stored value is kept", async () => {
    const path = join(folder, "sam.data");
    const store = fileStore({ path });
    await store.save(Uint8Array.of(1, 2, 3));
    await expect(store.save(new Uint8Array(200 * 1024))).rejects.toMatchObject({
      code: "CS_ERR_NO_SPACE",
      message: expect.stringMatching(new RegExp(`cannot write ${path}; the data stored before is kept.*ENOSPC`)),
    });
    expect(await store.load()).toEqual(Uint8Array.of(1, 2, 3));
    // And once there is room again, saving works.
    await store.save(Uint8Array.of(4));
    await store.close();
    expect(await fileStore({ path }).load()).toEqual(Uint8Array.of(4));
  });

  it("a read-only folder: CS_ERR_ACCESS, and the stored value is kept", async () => {
    const path = join(folder, "sam.data");
    const store = fileStore({ path });
    await store.save(Uint8Array.of(9));
    expect(spawnSync("mount", ["-o", "remount,ro", folder]).status).toBe(0);
    await expect(store.save(Uint8Array.of(10))).rejects.toMatchObject({ code: "CS_ERR_ACCESS", message: expect.stringContaining("read-only") });
    expect(await store.load()).toEqual(Uint8Array.of(9));
    await store.close();
  });
});
