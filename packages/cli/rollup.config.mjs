import { libraryConfig } from "../../rollup.lib.mjs";

export default libraryConfig(import.meta.dirname, { executables: { samctl: "src/samctl.ts" } });
