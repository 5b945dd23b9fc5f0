/**
 * The control socket of a running `samctl run`: `samctl status` and `samctl stop` talk to it. A Unix
 * socket of mode 0600 in a private folder of this user (runtime-folder.ts), so only this user (and
 * root) can reach it, under a name held by one samctl (name-claim.ts); one JSON line in, one out.
 */
import { createConnection, createServer } from "node:net";
import type { Supervision } from "@samkit/backend-fork";
import { claimName, namePaths, runningControl, runningNames, type Claim } from "./name-claim.js";
import { checkSocketPaths, existingPrivateFolder, preparePrivateFolder, runtimeFolder } from "./runtime-folder.js";
import { UsageError } from "./usage-error.js";

/** Listens before the program starts, so a name clash stops samctl before anything runs. */
export async function listenForControl(name: string, current: () => Supervision | undefined, describe: () => Record<string, unknown>): Promise<Claim> {
  const folder = runtimeFolder();
  const paths = namePaths(folder, name);
  // Before anything is made: a longer path would be cut, and the socket made under another name.
  checkSocketPaths([paths.control, paths.notify, paths.own]);
  preparePrivateFolder(folder);
  const server = createServer((connection) => {
    let input = "";
    connection.setEncoding("utf8");
    connection.on("data", (chunk: string) => {
      input += chunk;
      if (input.length > 4096) connection.destroy();
      const newline = input.indexOf("\n");
      if (newline < 0) return;
      let command: unknown;
      try {
        command = (JSON.parse(input.slice(0, newline)) as { command?: unknown }).command;
      } catch {
        command = undefined;
      }
      const supervision = current();
      if (supervision === undefined) connection.end(`${JSON.stringify({ name, phase: "starting" })}\n`);
      else if (command === "status") connection.end(`${JSON.stringify({ name, ...describe(), ...supervision.status() })}\n`);
      else if (command === "stop") {
        supervision.stop();
        connection.end(`${JSON.stringify({ name, stopping: true })}\n`);
      } else connection.end(`${JSON.stringify({ error: "unknown command; status or stop" })}\n`);
    });
    connection.on("error", () => {});
  });
  const claim = await claimName(folder, name, server);
  server.unref();
  process.once("exit", claim.release);
  return claim;
}

/** Sends `command` to the samctl named `name` (or the only one running) and returns its answer. */
export async function askControl(command: "status" | "stop", name: string | undefined): Promise<Record<string, unknown>> {
  const folder = runtimeFolder();
  if (name !== undefined) checkSocketPaths([namePaths(folder, name).control]);
  const exists = existingPrivateFolder(folder);
  let target = name;
  if (target === undefined) {
    const names = exists ? await runningNames(folder) : [];
    if (names.length !== 1) throw new UsageError(names.length === 0 ? `no samctl runs here (${folder})` : `several samctl run (${names.join(", ")}); name one`);
    target = names[0]!;
  }
  const path = exists ? await runningControl(folder, target) : undefined;
  if (path === undefined) throw new UsageError(`no samctl named "${target}" runs (${folder})`);
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let output = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (output += chunk));
    socket.on("end", () => {
      try {
        resolve(JSON.parse(output) as Record<string, unknown>);
      } catch {
        reject(new Error(`${path} answered something that is not samctl's`));
      }
    });
    socket.on("error", (error) => reject(new UsageError(`no samctl named "${target}" answers (${path}): ${error.message}`)));
    socket.write(`${JSON.stringify({ command })}\n`);
  });
}
