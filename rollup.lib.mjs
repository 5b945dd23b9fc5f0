// One build recipe for every library package: ESM + CJS + bundled .d.ts/.d.cts from one input.
// A package's rollup.config.mjs is `export default libraryConfig(import.meta.dirname)`.
import { builtinModules } from "node:module";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import esbuild from "rollup-plugin-esbuild";
import { dts } from "rollup-plugin-dts";

export function libraryConfig(packageDir, { inputs = { index: "src/index.ts" }, executables = {} } = {}) {
  const pkg = JSON.parse(readFileSync(resolve(packageDir, "package.json"), "utf8"));
  const dependencies = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  const external = (id) =>
    id.startsWith("node:") || builtinModules.includes(id) ||
    dependencies.some((name) => id === name || id.startsWith(`${name}/`));
  const tsconfig = resolve(packageDir, "tsconfig.json");
  const configs = [];
  for (const [name, input] of Object.entries(inputs)) {
    configs.push(
      {
        input: { [name]: input }, external,
        // The entry may export what its own chunks need, instead of becoming a facade over one more file.
        preserveEntrySignatures: "allow-extension",
        plugins: [esbuild({ target: "node20", tsconfig })],
        // Code loaded with import() (backend-fork's supervisor, which instances never need)
        // becomes a chunk of its own next to the entry.
        output: [
          { dir: "dist", entryFileNames: "[name].js", chunkFileNames: "[name]-chunk.js", format: "es", sourcemap: true },
          { dir: "dist", entryFileNames: "[name].cjs", chunkFileNames: "[name]-chunk.cjs", format: "cjs", sourcemap: true, exports: "named" },
        ],
      },
      {
        input, external,
        plugins: [dts({ tsconfig })],
        output: [{ file: `dist/${name}.d.ts`, format: "es" }, { file: `dist/${name}.d.cts`, format: "es" }],
      },
    );
  }
  // Scripts run directly by node (scenario runners, binaries): ESM only, with a shebang.
  for (const [name, input] of Object.entries(executables)) {
    configs.push({
      input, external,
      plugins: [esbuild({ target: "node20", tsconfig })],
      output: { file: `dist/${name}.js`, format: "es", sourcemap: true, banner: "#!/usr/bin/env node" },
    });
  }
  return configs;
}

