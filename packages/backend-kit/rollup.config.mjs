import { libraryConfig } from "../../rollup.lib.mjs";

export default libraryConfig(import.meta.dirname);
