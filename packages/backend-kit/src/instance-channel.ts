/**
 * The instance side of samkit's channel protocol, for every backend: the hello/welcome exchange of
 * register(), and one method per libsam call. The backend finds the channel (an inherited socket's
 * descriptor) and hands it over; this module does no process mechanics.
 */
import type { Socket } from "node:net";
import { SamError, samErrorFromSystemError } from "@samkit/core";
import { DataFileWriter } from "./data-file.js";
import { signalName, signalNumber, type SignalName } from "@samkit/core";
import type { InstanceLink, InstanceRegistration } from "@samkit/core";
import type { HealthCheckCallback } from "@samkit/core";
import {
  FrameReader,
  InstanceFrame,
  SupervisorFrame,
  decodeReply,
  decodeWelcome,
  encodeDataStore,
  encodeHello,
  encodeWarnSignalSet,
  heartbeatFrame,
  stampHeartbeat,
  timedHeartbeatFrame,
  markFailedFrame,
  dataStoredFrame,
  protocolVersion,
  smallFrameLimit,
  welcomeLimit,
  startFrame,
  stopFrame,
  decodeHealthCheckPing,
  encodeHealthCheckRegister,
  encodeHealthCheckResult,
  encodeExiting,
} from "./channel-protocol.js";
import { headerSize } from "./frames.js";
import { fs, net, os } from "./node-builtins.js";
import { rehearse } from "./spare-rehearsal.js";
import type { AttachOptions } from "./attach-options.js";

export type { AttachOptions };

interface Pending {
  request: number;
  resolve: () => void;
  reject: (error: SamError) => void;
}

/** Microseconds are what a data store's reply takes; this many milliseconds at most are spent reading for it. */
const spinLimit = 0.3;
const spinBuffer = Buffer.allocUnsafe(64 * 1024);

const frameNames: Record<number, string> = {
  [InstanceFrame.hello]: "register()",
  [InstanceFrame.start]: "start()",
  [InstanceFrame.stop]: "stop()",
  [InstanceFrame.dataStore]: "dataStore()",
  [InstanceFrame.warnSignalSet]: "warnSignalSet()",
  [InstanceFrame.markFailed]: "markFailed()",
  [InstanceFrame.healthCheckRegister]: "hcCallbackRegister()",
};

/**
 * Attaches this instance to its supervisor over the channel socket inherited as `fd`; resolves
 * with what register() returns. The descriptor is used directly as well as through a net.Socket,
 * for what Node's streams cannot do: the register() handshake (see handshake below), a data
 * store's reply read directly for a moment (see spinForReply), and the exit notice.
 */
export function attachInstanceChannel(fd: number, options: AttachOptions): Promise<InstanceRegistration> {
  const marker = { supervisorPid: options.supervisorPid };
  const name = options.backendName;
  const { capabilities } = options;
  const pending: Pending[] = [];
  let healthCheck: HealthCheckCallback | null = null;
  let lost = false;
  let markedFailed = false;

  return new Promise<InstanceRegistration>((resolveRegister, rejectRegister) => {
    let registered = false;
    // Opened once the handshake is over; until then the descriptor is read directly.
    let socket: Socket | undefined;
    // A welcome read in the handshake comes before the link exists; register() resolves once it does.
    let welcomed: Omit<InstanceRegistration, "link"> | undefined;
    let link: InstanceLink | undefined;

    const failAll = (error: SamError) => {
      for (const request of pending.splice(0)) request.reject(error);
      if (!registered) rejectRegister(error);
    };

    const supervisorLost = (reason: string) => {
      if (lost) return;
      lost = true;
      failAll(new SamError("CS_ERR_LIBRARY", `${name}: the supervisor (PID ${marker.supervisorPid}) is gone (${reason}); this instance is no longer supervised`));
      if (options.onSupervisorLost) {
        options.onSupervisorLost();
        return;
      }
      // Differs from libsam, whose instance runs on unsupervised until SIGPIPE: leave no orphan.
      process.stderr.write(`samkit: the supervisor (PID ${marker.supervisorPid}) is gone; instance PID ${process.pid} exits\n`);
      process.exit(1);
    };

    // The functions a promoted spare runs first are parenthesised function expressions: V8 compiles
    // those with the function around them, here before the spare parks, not on the restart's clock
    // (an arrow function or a declaration is compiled at its first call; see rehearse).
    const reader = new FrameReader(
      (function frameLimit(type: number) {
        return type === SupervisorFrame.welcome ? welcomeLimit :
          type === SupervisorFrame.reply || (type === SupervisorFrame.healthCheckPing && capabilities.supervisorHealthChecks) ? smallFrameLimit :
          undefined;
      }),
      (function onFrame(type: number, payload: Buffer) {
        if (type === SupervisorFrame.healthCheckPing) {
          const sequence = decodeHealthCheckPing(payload);
          if (sequence === undefined) {
            supervisorLost("it sent a malformed health-check ping");
            return;
          }
          answerPing(sequence);
          return;
        }
        if (type === SupervisorFrame.welcome) {
          const welcome = decodeWelcome(payload);
          const warnSignal = welcome && signalName(welcome.warnSignal);
          if (registered || welcome === undefined || warnSignal === undefined || welcome.version !== protocolVersion) {
            supervisorLost("it sent a malformed welcome");
            return;
          }
          registered = true;
          releaseIfIdle();
          if (capabilities.exitNotice) noticeExit();
          welcomed = {
            instanceId: welcome.instanceId,
            interval: welcome.interval,
            warnSignal,
            data: welcome.data === null ? null : new Uint8Array(welcome.data),
          };
          if (link) resolveRegister({ ...welcomed, link });
          return;
        }
        const reply = decodeReply(payload);
        if (reply === undefined) {
          supervisorLost("it sent a malformed reply");
          return;
        }
        if (reply.request === InstanceFrame.hello && !registered) {
          registered = true;
          rejectRegister(new SamError(reply.csError, reply.message));
          return;
        }
        const index = pending.findIndex((request) => request.request === reply.request);
        if (index < 0) {
          supervisorLost("it sent a reply nobody asked for");
          return;
        }
        const [request] = pending.splice(index, 1) as [Pending];
        releaseIfIdle();
        if (reply.csError === 1) request.resolve();
        else request.reject(new SamError(reply.csError, reply.message || `${name}: the supervisor refused ${frameNames[reply.request] ?? "a request"}`));
      }),
    );

    const timedFrame = capabilities.timedHeartbeats ? timedHeartbeatFrame() : undefined;
    const dataFile = options.dataFile === undefined ? undefined : new DataFileWriter(options.dataFile);

    // Parenthesised, as the frame reader's callbacks are: compiled before a spare parks.
    const noticeExit = (function noticeExit() {
      process.on("exit", (function giveExitNotice(code: number) {
        // Only on a quiet channel: a frame still queued (or half written) must not be overtaken.
        if (lost || (socket?.writableLength ?? 0) > 0) return;
        try {
          fs.writeSync(fd, encodeExiting(code));
          // The tear-down still to come takes a core for a while; the next instance needs it more.
          os.setPriority(19);
        } catch {
          // The supervisor is gone or its channel full: it will see the exit itself.
        }
      }));
    });

    // The channel keeps the process alive only while a reply is awaited: an instance whose work is
    // done ends, as a C program returning from main would.
    // Parenthesised: compiled before a spare parks (see the frame reader).
    const releaseIfIdle = (function releaseIfIdle() {
      if (pending.length === 0 && registered && !markedFailed) socket?.unref();
    });

    /**
     * register()'s hello and welcome, read and written on the descriptor itself while it is still
     * blocking (Node's socket makes it non-blocking): the kernel wakes this thread the moment the
     * welcome arrives, without a turn of the event loop. That is most of a warm spare's promotion,
     * which waits here, parked. Exactly one frame is read, so nothing meant for the socket is
     * taken. On a descriptor that would block (a non-blocking channel) it stops there, and the
     * socket writes the hello if it was not written (helloSent) and reads the rest.
     */
    let helloSent = false;
    const handshake = (): void => {
      try {
        fs.writeSync(fd, encodeHello(process.pid));
        helloSent = true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EAGAIN") supervisorLost((error as Error).message);
        return;
      }
      if (options.parked) rehearse(Socket);
      const header = Buffer.allocUnsafe(headerSize);
      // Read the header, then the payload it announces, each to its exact length.
      for (let wanted: Buffer | undefined = header; wanted !== undefined && !registered && !lost; ) {
        const part: Buffer = wanted;
        let filled = 0;
        while (filled < part.byteLength) {
          let count: number;
          try {
            count = fs.readSync(fd, part, filled, part.byteLength - filled, null);
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === "EINTR") continue;
            if (code !== "EAGAIN") {
              supervisorLost((error as Error).message);
              return;
            }
            // Not blocking after all: what was read goes to the reader, the socket reads the rest.
            if (filled > 0) feed(part.subarray(0, filled));
            return;
          }
          if (count === 0) {
            supervisorLost("its channel closed");
            return;
          }
          filled += count;
        }
        if (!feed(part)) return;
        wanted = part === header && header.readUInt32BE(1) > 0 ? Buffer.allocUnsafe(header.readUInt32BE(1)) : undefined;
      }
    };

    // Parenthesised: compiled before a spare parks (see the frame reader).
    const feed = (function feed(chunk: Buffer): boolean {
      try {
        reader.push(chunk);
        return true;
      } catch (error) {
        supervisorLost(error instanceof Error ? error.message : String(error));
        return false;
      }
    });

    // Loaded before the wait: a parked spare resumes without loading anything.
    const { Socket } = net();
    handshake();
    if (lost) return;
    const channel = new Socket({ fd, readable: true, writable: true });
    socket = channel;
    releaseIfIdle();

    channel.on("data", (chunk: Buffer) => {
      feed(chunk);
    });
    channel.on("end", () => supervisorLost("its channel closed"));
    channel.on("close", () => supervisorLost("its channel closed"));
    channel.on("error", (error) => supervisorLost(error.message));

    const request = (frame: Buffer, type: number, spin = false): Promise<void> => {
      if (lost) {
        return Promise.reject(new SamError("CS_ERR_LIBRARY", `${name}: ${frameNames[type]} failed: the supervisor is gone`));
      }
      return new Promise<void>((resolve, reject) => {
        pending.push({ request: type, resolve, reject });
        channel.ref();
        channel.write(frame);
        if (spin && channel.writableLength === 0) spinForReply();
      });
    };

    /**
     * Reads the channel directly for a short while instead of going back to the event loop: the
     * supervisor answers a data store within tens of microseconds, and a process that went to
     * sleep costs about as much again to wake (more on a virtual machine). The bytes go to the
     * same frame reader the socket feeds, so nothing is lost or read twice.
     */
    const spinForReply = () => {
      const until = performance.now() + spinLimit;
      const waiting = pending.length;
      while (pending.length >= waiting && !lost && performance.now() < until) {
        let count: number;
        try {
          count = fs.readSync(fd, spinBuffer, 0, spinBuffer.byteLength, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "EAGAIN") continue;
          return;
        }
        // End of file: the socket's own read reports it.
        if (count === 0) return;
        // A copy: the reader may keep an incomplete frame, and spinBuffer is read into again.
        if (!feed(Buffer.from(spinBuffer.subarray(0, count)))) return;
      }
    };

    /**
     * Once the write returns the data is the supervisor's: it lives in the file the supervisor
     * holds, which the supervisor reads when this process is gone, however it ends.
     */
    const storeInFile = (writer: DataFileWriter, data: Uint8Array | null): Promise<void> => {
      // A supervisor that died shows on the channel only when the event loop reads it, which a
      // loop of awaited stores never lets it do; this process's parent changes at once.
      if (lost || process.ppid !== options.supervisorPid) {
        return Promise.reject(new SamError("CS_ERR_LIBRARY", `${name}: dataStore() failed: the supervisor (PID ${options.supervisorPid}) is gone, and nobody would restore the data`));
      }
      try {
        writer.store(data);
      } catch (error) {
        return Promise.reject(samErrorFromSystemError(error, `${name}: dataStore() could not write its ${data?.byteLength ?? 0} bytes to the data file its supervisor gave it, so the data stored before is kept; free memory or store less`));
      }
      // Not coalesced as heartbeats are: backend-native's relay hands the data to libsam on it.
      channel.write(dataStoredFrame);
      return Promise.resolve();
    };

    /** The supervisor pings; the callback answers from this event loop, so a blocked loop does not answer. */
    const answerPing = (sequence: number) => {
      const callback = healthCheck;
      const answer = (healthy: boolean) => {
        if (!lost) channel.write(encodeHealthCheckResult(sequence, healthy));
      };
      if (callback === null) {
        answer(true);
        return;
      }
      let result: boolean | Promise<boolean>;
      try {
        result = callback();
      } catch {
        answer(false);
        return;
      }
      // A pending promise answers when it settles: late, or never, is a failed check for the supervisor.
      Promise.resolve(result).then((value) => answer(value === true), () => answer(false));
    };

    link = {
      start: () => request(startFrame, InstanceFrame.start),
      stop: () => request(stopFrame, InstanceFrame.stop),
      heartbeat: () => {
        if (lost) throw new SamError("CS_ERR_LIBRARY", `${name}: hcSend() failed: the supervisor is gone`);
        // A heartbeat still queued says all another would: while the channel has a backlog, one is
        // enough. Without this a flood of hcSend() queues millions of writes and their garbage
        // collection stalls the very loop that must deliver them.
        if (channel.writableLength === 0) channel.write(timedFrame ? stampHeartbeat(timedFrame, performance.timeOrigin + performance.now()) : heartbeatFrame);
      },
      dataStore: dataFile ? (data) => storeInFile(dataFile, data) : (data) => request(encodeDataStore(data), InstanceFrame.dataStore, true),
      warnSignalSet: (signal: SignalName) => request(encodeWarnSignalSet(signalNumber(signal)), InstanceFrame.warnSignalSet),
      markFailed: async () => {
        if (capabilities.markFailedReplies) return request(markFailedFrame, InstanceFrame.markFailed);
        // Fire and forget, as libsam: the answer is SIGKILL. Until it lands the channel keeps this
        // process alive, so an app with nothing left to do does not exit 0 first.
        if (lost) throw new SamError("CS_ERR_LIBRARY", `${name}: markFailed() failed: the supervisor is gone`);
        markedFailed = true;
        channel.ref();
        channel.write(markFailedFrame);
      },
    };
    if (capabilities.supervisorHealthChecks) {
      link.healthCheck = (callback) => {
        healthCheck = callback;
        if (lost) return;
        request(encodeHealthCheckRegister(callback !== null), InstanceFrame.healthCheckRegister).catch((error: unknown) => {
          process.emitWarning(`${name}: hcCallbackRegister() was refused by the supervisor: ${error instanceof Error ? error.message : String(error)}`, { code: "SAMKIT_HEALTH_CHECK_REFUSED" });
        });
      };
    }

    if (welcomed) resolveRegister({ ...welcomed, link });
    if (!helloSent) channel.write(encodeHello(process.pid));
  });
}
