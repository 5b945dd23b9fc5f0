// SECURITY.md's promises each name the test that shows them: every named test file exists, and
// every quoted test name is in it (or, for the conformance suite, in the suite's sources).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repositoryRoot } from "../lib/workspace.mjs";

/** Every test file of the repository, by path from the root. */
function testFiles(folder = repositoryRoot, found: string[] = []): string[] {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".") || entry.name === "dist") continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) testFiles(path, found);
    else if (/\.test\.m?ts$/.test(entry.name)) found.push(path.slice(repositoryRoot.length + 1));
  }
  return found;
}

const conformanceSources = readdirSync(join(repositoryRoot, "packages/conformance/src"), { recursive: true })
  .map(String)
  .filter((file) => file.endsWith(".ts"))
  .map((file) => readFileSync(join(repositoryRoot, "packages/conformance/src", file), "utf8"))
  .join("\n");

it("every promise in SECURITY.md names a test, and every test it names exists", () => {
  const files = testFiles();
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const rows = readFileSync(join(repositoryRoot, "SECURITY.md"), "utf8").split("\n").filter((line) => /^\| \d+ \|/.test(line));
  expect(rows.length).toBeGreaterThanOrEqual(19);
  for (const row of rows) {
    const number = /^\| (\d+) \|/.exec(row)![1];
    const shownBy = row.split(" | ").at(-1)!;
    // A file named by path, or by its name alone (the one file of that name).
    const references = [...shownBy.matchAll(/`([\w./-]+\.test\.m?ts)`([^`]*)/g)];
    const conformance = [...shownBy.matchAll(/conformance (?:suite |tests? )?((?:"[^"]+"(?:, | and )?)+)/g)];
    check(references.length + conformance.length > 0, `promise ${number} names no test`);
    for (const [, name, after] of references) {
      const matches = files.filter((file) => file === name || file.endsWith(`/${name}`));
      check(matches.length === 1, `promise ${number}: ${name} is not one test file (${matches.join(", ")})`);
      if (matches.length !== 1) continue;
      const text = readFileSync(join(repositoryRoot, matches[0]!), "utf8");
      // Test names quoted right after the file, in brackets: ("a name", "another").
      const bracket = /^\s*\(([^)]*)\)/.exec(after ?? "")?.[1] ?? "";
      for (const [, title] of bracket.matchAll(/"([^"]+)"/g)) {
        const start = title!.split(/ \.\.\. | …/)[0]!;
        check(text.includes(start), `promise ${number}: no test "${title}" in ${matches[0]}`);
      }
    }
    for (const [, titles] of conformance) {
      for (const [, title] of titles!.matchAll(/"([^"]+)"/g)) check(conformanceSources.includes(title!.split(/ \.\.\.| …/)[0]!), `promise ${number}: no conformance test "${title}"`);
    }
  }
  expect(problems).toEqual([]);
});
