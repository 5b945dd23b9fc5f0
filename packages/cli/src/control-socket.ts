/**
 * The control socket of a running `samctl run`: `samctl status` and `samctl stop` talk to it. A Unix
 * socket of mode 0600 in a folder of mode 0700 owned by this user, so only this user (and root)
 * can reach it; one JSON line in, one JSON line out.
 */
import { lstatSync, mkdirSync, readdirSync, unlinkSync, chmodSync } from "node:fs";
import { createConnection, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Supervision } from "@samkit/backend-fork";
import { checkName } from "./samctl-name.js";
import { UsageError } from "./usage-error.js";

/** `$XDG_RUNTIME_DIR/samkit`, `/run/samkit` for root, else `<tmp>/samkit-<uid>`. */
export function runtimeFolder(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SAMKIT_RUNTIME_DIR) return env.SAMKIT_RUNTIME_DIR;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "samkit");
  if (process.getuid?.() === 0) return "/run/samkit";
  return join(tmpdir(), `samkit-${process.getuid?.() ?? "user"}`);
}

function ensureFolder(folder: string): void {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const stat = lstatSync(folder);
  // Someone else's folder (or a link planted in /tmp) must not receive our socket.
  if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) {
    throw new UsageError(`the runtime folder ${folder} is not a folder owned by this user; set SAMKIT_RUNTIME_DIR to a private one`);
  }
  chmodSync(folder, 0o700);
}

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
  ensureFolder(folder);
  const path = socketPath(name, folder);
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
  let target = name;
  if (target === undefined) {
    let names: string[] = [];
    try {
      names = readdirSync(folder).filter((file) => file.endsWith(".sock")).map((file) => file.slice(0, -5));
    } catch {
      // No folder: none runs.
    }
    if (names.length !== 1) throw new UsageError(names.length === 0 ? `no samctl runs here (${folder})` : `several samctl run (${names.join(", ")}); name one`);
    target = names[0]!;
  }
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
