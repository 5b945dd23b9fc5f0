// The quorum plugin of docs/writing-a-quorum-plugin.md passes the suite, as the guide says.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { quorumSourceSuite } from "../src/index.js";
import { leaseFileQuorum } from "../../../examples/lease-file-quorum.js";

quorumSourceSuite({ describe, it }, () => {
  const folder = mkdtempSync(join(tmpdir(), "samkit-lease-"));
  const path = join(folder, "lease");
  return {
    source: leaseFileQuorum({ path, maxAge: 200, every: 20 }),
    async setQuorate(quorate: boolean) {
      if (quorate) writeFileSync(path, "");
      else rmSync(path, { force: true });
      await new Promise((resolve) => setTimeout(resolve, 60));
    },
    cleanup: () => rmSync(folder, { recursive: true, force: true }),
  };
}, { name: "leaseFileQuorum (the guide's example)" });
