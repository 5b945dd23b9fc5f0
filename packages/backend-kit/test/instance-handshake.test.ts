// register()'s handshake on a real inherited socket: the instance writes its hello and reads its
// welcome on the descriptor itself before Node's socket takes it over. The supervisor's end is
// scripted here, so each way a supervisor can answer is tried: in pieces, with a frame right
// behind the welcome (which must be left for the socket), a refusal, garbage, and no answer.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { channelProtocol, FrameReader, readDataFile } from "../src/index.js";

const { InstanceFrame, SupervisorFrame, encodeFrame, encodeReply, encodeWelcome, decodeHello } = channelProtocol;
const fixture = fileURLToPath(new URL("./fixtures/attach-instance.mjs", import.meta.url));

interface Run {
  child: ChildProcess;
  channel: Socket;
  /** The frames the instance sent, in order. */
  frames: { type: number; payload: Buffer }[];
  /** Resolves once the instance has sent `count` frames. */
  framesIn(count: number): Promise<void>;
  stdout(): string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/**
 * Starts the instance with its channel on fd 3: a socketpair made for it (blocking on its side, as
 * a backend's is), or `given`, one end of a connection this process opened (non-blocking, since
 * the instance's descriptor is a copy of this process's) with `supervisorEnd` the other end.
 */
function start(given?: { instanceEnd: Socket; supervisorEnd: Socket }, { parked = false, dataFile = "" } = {}): Run {
  const child = spawn(process.execPath, [fixture], {
    stdio: ["ignore", "pipe", "inherit", given ? given.instanceEnd : "pipe"],
    env: { ...process.env, SAMKIT_TEST_PARKED: parked ? "1" : "0", SAMKIT_TEST_DATA_FILE: dataFile },
  });
  children.push(child);
  // This process must not read the instance's end too.
  given?.instanceEnd.destroy();
  const channel = given ? given.supervisorEnd : (child.stdio[3] as Socket);
  const frames: Run["frames"] = [];
  const waiting: { count: number; resolve: () => void }[] = [];
  const reader = new FrameReader(
    () => 1 << 20,
    (type, payload) => {
      frames.push({ type, payload: Buffer.from(payload) });
      for (const wait of waiting.filter((entry) => frames.length >= entry.count)) wait.resolve();
    },
  );
  channel.on("data", (chunk: Buffer) => reader.push(chunk));
  channel.on("error", () => {});
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    channel,
    frames,
    framesIn: (count) => (frames.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
    stdout: () => output,
    exited,
  };
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));
const welcome = encodeWelcome({ instanceId: 7, interval: 300, warnSignal: 12, data: Buffer.from("kept data") });

describe("register()'s handshake on the inherited descriptor", () => {
  // A parked spare first rehearses what its promotion runs: that must read and write nothing.
  it.each([
    ["an instance", false],
    ["a parked spare", true],
  ])("%s says hello, takes a welcome that arrives in pieces, and leaves the frame behind it to the socket", async (_name, parked) => {
    const run = start(undefined, { parked });
    await run.framesIn(1);
    expect(run.frames[0]!.type).toBe(InstanceFrame.hello);
    expect(decodeHello(run.frames[0]!.payload)?.pid).toBe(run.child.pid);
    // Header, part of the payload, then the rest with a health-check ping right behind it in the same write.
    const ping = encodeFrame(SupervisorFrame.healthCheckPing, Buffer.from([0, 0, 0, 42]));
    run.channel.write(welcome.subarray(0, 3));
    await sleep(30);
    run.channel.write(welcome.subarray(3, 12));
    await sleep(30);
    run.channel.write(Buffer.concat([welcome.subarray(12), ping]));
    // The ping reached the instance's socket: it answers it (healthy, no callback registered).
    await Promise.race([run.framesIn(2), sleep(5000)]);
    // Read on the descriptor, blocking: the event loop did not turn during the 60 ms of pieces.
    expect(run.stdout()).toContain("registered 7 300 SIGUSR2 kept data after 0 ticks");
    expect(run.frames.map((frame) => frame.type)).toEqual([InstanceFrame.hello, InstanceFrame.healthCheckResult]);
    expect(run.frames[1]!.type).toBe(InstanceFrame.healthCheckResult);
    expect(run.frames[1]!.payload).toEqual(Buffer.from([0, 0, 0, 42, 1]));
    // The supervisor goes: the instance learns it from its socket.
    run.channel.destroy();
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toContain("lost");
  });

  it("on a non-blocking descriptor, says hello once and takes the welcome through the socket", async () => {
    const folder = mkdtempSync(join(tmpdir(), "samkit-handshake-"));
    const server = createServer();
    try {
      const path = join(folder, "channel.sock");
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const accepted = new Promise<Socket>((resolve) => server.once("connection", resolve));
      const instanceEnd = connect(path);
      await new Promise((resolve) => instanceEnd.once("connect", resolve));
      const run = start({ instanceEnd, supervisorEnd: await accepted });
      await run.framesIn(1);
      // Time for a second hello, were one to come.
      await sleep(200);
      expect(run.frames.map((frame) => frame.type)).toEqual([InstanceFrame.hello]);
      run.channel.write(welcome);
      const registeredBy = Date.now() + 5000;
      while (!run.stdout().includes("registered") && Date.now() < registeredBy) await sleep(20);
      expect(run.stdout()).toMatch(/registered 7 300 SIGUSR2 kept data after \d+ ticks/);
      run.channel.destroy();
      expect(await run.exited).toBe(0);
      expect(run.stdout()).toContain("lost");
    } finally {
      server.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("rejects register() with the supervisor's refusal", async () => {
    const run = start();
    await run.framesIn(1);
    run.channel.write(encodeReply(InstanceFrame.hello, 3, "the supervisor speaks protocol 9"));
    await sleep(200);
    expect(run.stdout()).toContain("refused CS_ERR_VERSION: the supervisor speaks protocol 9");
    run.channel.destroy();
    expect(await run.exited).toBe(0);
  });

  it("takes a supervisor that sends garbage for gone", async () => {
    const run = start();
    await run.framesIn(1);
    run.channel.write(Buffer.from([0x7f, 0, 0, 0, 0]));
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/refused CS_ERR_LIBRARY: test: the supervisor \(PID \d+\) is gone \(unknown frame type 0x7f\)/);
    expect(run.stdout()).toContain("lost");
  });

  it("takes a supervisor that closes the channel before its welcome for gone", async () => {
    const run = start();
    await run.framesIn(1);
    run.channel.write(welcome.subarray(0, 8));
    await sleep(30);
    run.channel.destroy();
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/refused CS_ERR_LIBRARY: .*is gone \(its channel closed\)/);
  });
});

describe("a data store into a data file", () => {
  const registered = async (run: Run) => {
    await run.framesIn(1);
    run.channel.write(welcome);
    const by = Date.now() + 5000;
    while (!/stored|refused/.test(run.stdout()) && Date.now() < by) await sleep(10);
  };

  it("writes the file, tells the supervisor with a dataStored frame and resolves, with no reply to wait for", async () => {
    const folder = mkdtempSync(join(tmpdir(), "samkit-data-file-"));
    try {
      const path = join(folder, "data");
      writeFileSync(path, "");
      const run = start(undefined, { dataFile: path });
      await registered(run);
      expect(run.stdout()).toContain("stored");
      await Promise.race([run.framesIn(2), sleep(5000)]);
      expect(run.frames.map((frame) => frame.type)).toEqual([InstanceFrame.hello, InstanceFrame.dataStored]);
      const fd = openSync(path, "r");
      const contents = readDataFile(fd, 1 << 26);
      closeSync(fd);
      expect(contents.stored && Buffer.from(contents.data!).toString()).toBe("in the file");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("is refused with CS_ERR_NO_SPACE when the file cannot take the data (/dev/full), and says nothing to the supervisor", async () => {
    const run = start(undefined, { dataFile: "/dev/full" });
    await registered(run);
    expect(run.stdout()).toMatch(/store refused CS_ERR_NO_SPACE: .*the data stored before is kept; free memory or store less/);
    await sleep(100);
    expect(run.frames.map((frame) => frame.type)).toEqual([InstanceFrame.hello]);
  });
});
