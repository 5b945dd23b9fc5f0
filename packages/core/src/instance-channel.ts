/**
 * The instance side of samkit's channel protocol, for every backend: the hello/welcome exchange of
 * register(), and one method per libsam call. The backend opens the channel (an inherited socket)
 * and hands it over; this module does no process mechanics.
 */
import type { Socket } from "node:net";
import { SamError } from "./sam-error.js";
import { signalName, signalNumber, type SignalName } from "./signals.js";
import type { InstanceLink, InstanceRegistration } from "./contracts/supervision-backend.js";
import type { HealthCheckCallback } from "./health-check-loop.js";
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
  protocolVersion,
  smallFrameLimit,
  startFrame,
  stopFrame,
  decodeHealthCheckPing,
  encodeHealthCheckRegister,
  encodeHealthCheckResult,
  encodeExiting,
} from "./channel-protocol.js";
import { readSync, writeSync } from "node:fs";
import { setPriority } from "node:os";

/** The welcome carries the stored data: allow the largest maxDataSize there is. */
const welcomeLimit = 1024 * 1024 * 1024 + 64;

interface Pending {
  request: number;
  resolve: () => void;
  reject: (error: SamError) => void;
}

export interface AttachOptions {
  /** The supervisor's PID, for messages. */
  supervisorPid: number;
  /** The backend's name, for messages, e.g. `@samkit/backend-fork`. */
  backendName: string;
  /** Called when the supervisor is gone; the default ends this process. */
  onSupervisorLost?: (() => void) | undefined;
  /** markFailed() waits for the supervisor's answer (libsam can refuse it) instead of firing and forgetting. */
  markFailedReplies?: boolean;
  /** The supervisor runs event-driven checks itself and pings the instance (the link gets healthCheck()). */
  supervisorHealthChecks?: boolean;
  /**
   * The socket's descriptor, for the synchronous reads and writes Node's streams cannot do: a data
   * store's reply read directly for a moment (see spinForReply), and the exit notice.
   */
  channelFd?: number;
  /**
   * The supervisor takes an exit notice (needs channelFd): the instance's `exit` event writes its
   * exit code on the channel, synchronously, so the supervisor can act on the exit without
   * waiting out Node's tear-down (10 to 30 ms).
   */
  exitNotice?: boolean;
  /** Heartbeats carry their send time (the supervisor runs on the same machine and reads it). */
  timedHeartbeats?: boolean;
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

/** Attaches this instance to its supervisor over `socket`; resolves with what register() returns. */
export function attachInstanceChannel(socket: Socket, options: AttachOptions): Promise<InstanceRegistration> {
  const marker = { supervisorPid: options.supervisorPid };
  const name = options.backendName;
  const pending: Pending[] = [];
  let healthCheck: HealthCheckCallback | null = null;
  let lost = false;

  return new Promise<InstanceRegistration>((resolveRegister, rejectRegister) => {
    let registered = false;

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

    const reader = new FrameReader(
      (type) =>
        type === SupervisorFrame.welcome ? welcomeLimit :
        type === SupervisorFrame.reply || (type === SupervisorFrame.healthCheckPing && options.supervisorHealthChecks) ? smallFrameLimit :
        undefined,
      (type, payload) => {
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
          if (options.exitNotice && options.channelFd !== undefined) noticeExit(options.channelFd);
          resolveRegister({
            instanceId: welcome.instanceId,
            interval: welcome.interval,
            warnSignal,
            data: welcome.data === null ? null : new Uint8Array(welcome.data),
            link,
          });
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
      },
    );

    const timedFrame = options.timedHeartbeats ? timedHeartbeatFrame() : undefined;

    const noticeExit = (fd: number) => {
      process.on("exit", (code) => {
        // Only on a quiet channel: a frame still queued (or half written) must not be overtaken.
        if (lost || socket.writableLength > 0) return;
        try {
          writeSync(fd, encodeExiting(code));
          // The tear-down still to come takes a core for 10 ms or more; the next instance needs it more.
          setPriority(19);
        } catch {
          // The supervisor is gone or its channel full: it will see the exit itself.
        }
      });
    };

    // The channel keeps the process alive only while a reply is awaited: an instance whose work is
    // done ends, as a C program returning from main would.
    const releaseIfIdle = () => {
      if (pending.length === 0 && registered) socket.unref();
    };

    socket.on("data", (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (error) {
        supervisorLost(error instanceof Error ? error.message : String(error));
      }
    });
    socket.on("end", () => supervisorLost("its channel closed"));
    socket.on("close", () => supervisorLost("its channel closed"));
    socket.on("error", (error) => supervisorLost(error.message));

    const request = (frame: Buffer, type: number, spin = false): Promise<void> => {
      if (lost) {
        return Promise.reject(new SamError("CS_ERR_LIBRARY", `${name}: ${frameNames[type]} failed: the supervisor is gone`));
      }
      return new Promise<void>((resolve, reject) => {
        pending.push({ request: type, resolve, reject });
        socket.ref();
        socket.write(frame);
        if (spin && options.channelFd !== undefined && socket.writableLength === 0) spinForReply(options.channelFd);
      });
    };

    /**
     * Reads the channel directly for a short while instead of going back to the event loop: the
     * supervisor answers a data store within tens of microseconds, and a process that went to
     * sleep costs about as much again to wake (more on a virtual machine). The bytes go to the
     * same frame reader the socket feeds, so nothing is lost or read twice.
     */
    const spinForReply = (fd: number) => {
      const until = performance.now() + spinLimit;
      const waiting = pending.length;
      while (pending.length >= waiting && !lost && performance.now() < until) {
        let count: number;
        try {
          count = readSync(fd, spinBuffer, 0, spinBuffer.byteLength, null);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "EAGAIN") continue;
          return;
        }
        // End of file: the socket's own read reports it.
        if (count === 0) return;
        try {
          // A copy: the reader may keep an incomplete frame, and spinBuffer is read into again.
          reader.push(Buffer.from(spinBuffer.subarray(0, count)));
        } catch (error) {
          supervisorLost(error instanceof Error ? error.message : String(error));
          return;
        }
      }
    };

    /** The supervisor pings; the callback answers from this event loop, so a blocked loop does not answer. */
    const answerPing = (sequence: number) => {
      const callback = healthCheck;
      const answer = (healthy: boolean) => {
        if (!lost) socket.write(encodeHealthCheckResult(sequence, healthy));
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

    const link: InstanceLink = {
      start: () => request(startFrame, InstanceFrame.start),
      stop: () => request(stopFrame, InstanceFrame.stop),
      heartbeat: () => {
        if (lost) throw new SamError("CS_ERR_LIBRARY", `${name}: hcSend() failed: the supervisor is gone`);
        // A heartbeat still queued says all another would: while the channel has a backlog, one is
        // enough. Without this a flood of hcSend() queues millions of writes and their garbage
        // collection stalls the very loop that must deliver them.
        if (socket.writableLength === 0) socket.write(timedFrame ? stampHeartbeat(timedFrame, performance.timeOrigin + performance.now()) : heartbeatFrame);
      },
      dataStore: (data) => request(encodeDataStore(data), InstanceFrame.dataStore, true),
      warnSignalSet: (signal: SignalName) => request(encodeWarnSignalSet(signalNumber(signal)), InstanceFrame.warnSignalSet),
      markFailed: async () => {
        if (options.markFailedReplies) return request(markFailedFrame, InstanceFrame.markFailed);
        // Fire and forget, as libsam: the answer is SIGKILL.
        if (lost) throw new SamError("CS_ERR_LIBRARY", `${name}: markFailed() failed: the supervisor is gone`);
        socket.write(markFailedFrame);
      },
    };
    if (options.supervisorHealthChecks) {
      link.healthCheck = (callback) => {
        healthCheck = callback;
        if (lost) return;
        request(encodeHealthCheckRegister(callback !== null), InstanceFrame.healthCheckRegister).catch((error: unknown) => {
          process.emitWarning(`${name}: hcCallbackRegister() was refused by the supervisor: ${error instanceof Error ? error.message : String(error)}`, { code: "SAMKIT_HEALTH_CHECK_REFUSED" });
        });
      };
    }

    socket.write(encodeHello(process.pid));
  });
}
