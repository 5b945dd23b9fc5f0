/**
 * The control socket of a running `samctl run`: `samctl status` and `samctl stop` talk to it. A Unix
 * socket of mode 0600 in a private folder of this user (runtime-folder.ts), so only this user (and
 * root) can reach it; one JSON line in, one JSON line out.
 */
import { readdirSync, unlinkSync, chmodSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";
import type { Supervision } from "@samkit/backend-fork";
import { checkSocketPaths, existingPrivateFolder, preparePrivateFolder, runtimeFolder } from "./runtime-folder.js";
import { checkName } from "./samctl-name.js";
import { UsageError } from "./usage-error.js";

export function socketPath(name: string, folder = runtimeFolder()): string {
  return join(folder, `${checkName(name, "--name")}.sock`);
}

/** Whether something answers on `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Listens before the program starts, so a name clash stops samctl before anything runs. */
export async function listenForControl(name: string, current: () => Supervision | undefined, describe: () => Record<string, unknown>): Promise<Server> {
  const folder = runtimeFolder();
  const path = socketPath(name, folder);
  // Before anything is made: a longer path would be cut, and the socket made under another name.
  checkSocketPaths([path, path.replace(/\.sock$/, ".notify")]);
  preparePrivateFolder(folder);
  if (await answers(path)) throw new UsageError(`another samctl named "${name}" runs (${path}); give this one --name`);
  try {
    unlinkSync(path);
  } catch {
    // No stale socket.
  }
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
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(previous);
  }
  chmodSync(path, 0o600);
  server.unref();
  const remove = () => {
    try {
      unlinkSync(path);
    } catch {
      // Gone already.
    }
  };
  process.once("exit", remove);
  return server;
}

/** Sends `command` to the samctl named `name` (or the only one running) and returns its answer. */
export async function askControl(command: "status" | "stop", name: string | undefined): Promise<Record<string, unknown>> {
  const folder = runtimeFolder();
  if (name !== undefined) checkSocketPaths([socketPath(name, folder)]);
  const exists = existingPrivateFolder(folder);
  let target = name;
  if (target === undefined) {
    const names = exists ? readdirSync(folder).filter((file) => file.endsWith(".sock")).map((file) => file.slice(0, -5)) : [];
    if (names.length !== 1) throw new UsageError(names.length === 0 ? `no samctl runs here (${folder})` : `several samctl run (${names.join(", ")}); name one`);
    target = names[0]!;
  }
  if (!exists) throw new UsageError(`no samctl named "${target}" runs (${folder})`);
  const path = socketPath(target, folder);
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
