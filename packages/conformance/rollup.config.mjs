import { libraryConfig } from "../../rollup.lib.mjs";

export default libraryConfig(import.meta.dirname, { executables: { "scenario-runner": "src/scenario-runner.ts", "test-corosync-cli": "src/test-corosync-cli.ts" } });
