/**
 * `node dist/test-corosync-cli.js start|stop|quorate|inquorate|status|clean`: the test corosync by hand.
 */
import {
  cmapDeletePrefix,
  cmapKeys,
  setTestQuorate,
  startTestCorosync,
  stopTestCorosync,
  testCorosyncAvailability,
  testQuorate,
} from "./test-corosync.js";

const usage = "usage: test-corosync start|stop|quorate|inquorate|status|clean";

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case "start":
      if (!(await startTestCorosync())) {
        process.stderr.write(`cannot start the test corosync: ${(await testCorosyncAvailability()).reason || "run as root"}\n`);
        return 1;
      }
      process.stdout.write("the test corosync runs and is quorate\n");
      return 0;
    case "stop":
      await stopTestCorosync();
      return 0;
    case "quorate":
    case "inquorate":
      await setTestQuorate(command === "quorate");
      return 0;
    case "status": {
      const availability = await testCorosyncAvailability();
      if (!availability.available) {
        process.stdout.write(`not available: ${availability.reason}\n`);
        return 1;
      }
      process.stdout.write(`running; quorate: ${(await testQuorate()) ? "yes" : "no"}\n`);
      for (const [key, value] of await cmapKeys("resources.process.")) process.stdout.write(`${key} = ${value}\n`);
      return 0;
    }
    case "clean":
      await cmapDeletePrefix("resources.process.");
      return 0;
    default:
      process.stderr.write(`${usage}\n`);
      return 2;
  }
}

main(process.argv[2]).then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`test-corosync: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
