// backend-native's data file: dataStore() resolves once the data is in the file, and libsam gets it
// from the relay. Neither the instance's death nor its relay's, right after, loses a store.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const app = fileURLToPath(new URL("./fixtures/data-file.mjs", import.meta.url));

describe("the data file on libsam", () => {
  it.each([
    ["the instance SIGKILLed", "self"],
    ["its relay stopped, then SIGKILLed, before it could pass the store on", "relay"],
  ])("a store that resolved survives %s", (_name, mode) => {
    const result = spawnSync(process.execPath, [app, mode], { encoding: "utf8", timeout: 30_000 });
    const output = `${result.stdout}${result.stderr}`;
    expect(result.stdout).toContain("stored final");
    expect(result.stdout, output).toContain("instance 2 restored final");
    expect(result.status, output).toBe(0);
  });
});
