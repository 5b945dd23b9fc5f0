// The test command's own lines: one progress line per test file as it ends (where the run is, for
// someone watching a long one), every skipped test with its reason, and, last, the summary CI
// reads: "Tests: N passed, N failed, N skipped" (vitest's own is in another form, with colours).
import type { Reporter, SerializedError, TestModule, TestSpecification } from "vitest/node";

const print = (line: string) => process.stdout.write(`${line}\n`);

export default class SummaryLineReporter implements Reporter {
  #files = 0;
  #done = 0;

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.#files = specifications.length;
    this.#done = 0;
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.#done++;
    const tests = [...testModule.children.allTests()];
    const failed = tests.filter((test) => test.result().state === "failed").length;
    const file = testModule.moduleId.replace(`${process.cwd()}/`, "");
    print(`[samkit] ${this.#done}/${this.#files} ${testModule.project.name}: ${file}: ${tests.length} tests${failed > 0 ? `, ${failed} failed` : ""}`);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = 0;
    const skipped: string[] = [];
    for (const testModule of testModules) {
      let failedHere = 0;
      for (const test of testModule.children.allTests()) {
        const result = test.result();
        if (result.state === "passed") passed++;
        else if (result.state === "failed") failedHere++;
        else {
          // A skip says why: in the test's name ("(skipped: …)") or in its note.
          const reason = /\(skipped: (.+)\)$/.exec(test.fullName)?.[1] ?? ("note" in result && result.note ? String(result.note) : "no reason given");
          skipped.push(`[samkit] skipped: ${test.fullName.replace(/ \(skipped: .+\)$/, "")}: ${reason}`);
        }
      }
      // A file that fails to import has no tests but must still count as a failure.
      if (failedHere === 0 && testModule.state() === "failed") failedHere = 1;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    for (const line of skipped) print(line);
    print(`Tests: ${passed} passed, ${failed} failed, ${skipped.length} skipped`);
  }
}
