import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh folder for one test, removed afterwards. */
export function temporaryFolder(): { folder: string; file: (name?: string) => string; remove: () => void } {
  const folder = mkdtempSync(join(tmpdir(), "samkit-store-"));
  return {
    folder,
    file: (name = "sam.data") => join(folder, name),
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}
