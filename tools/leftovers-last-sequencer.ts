// Runs the CMAP leftovers check after every other test file, so it sees what the whole run left.
import { BaseSequencer, type TestSpecification } from "vitest/node";

const isLeftoversCheck = (specification: TestSpecification) => specification.moduleId.endsWith("corosync-leftovers.test.ts");

export default class LeftoversLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((file) => !isLeftoversCheck(file)), ...sorted.filter(isLeftoversCheck)];
  }
}
