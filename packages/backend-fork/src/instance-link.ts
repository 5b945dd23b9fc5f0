/**
 * The instance side of backend-fork: the inherited channel to the supervisor, the hello/welcome
 * exchange of register(), and one method per libsam call.
 */
import { Socket } from "node:net";
import { SamError, signalName, signalNumber, type InstanceLink, type InstanceRegistration, type SignalName } from "@samkit/core";
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
  markFailedFrame,
  protocolVersion,
  smallFrameLimit,
  startFrame,
  stopFrame,
} from "./channel-protocol.js";
import type { InstanceMarker } from "./instance-marker.js";

/** The welcome carries the stored data: allow the largest maxDataSize there is. */
const welcomeLimit = 1024 * 1024 * 1024 + 64;

interface Pending {
  request: number;
  resolve: () => void;
  reject: (error: SamError) => void;
}

export interface AttachOptions {
  /** Called when the supervisor is gone; the default ends this process. */
  onSupervisorLost: (() => void) | undefined;
}

const frameNames: Record<number, string> = {
  [InstanceFrame.hello]: "register()",
  [InstanceFrame.start]: "start()",
  [InstanceFrame.stop]: "stop()",
  [InstanceFrame.dataStore]: "dataStore()",
  [InstanceFrame.warnSignalSet]: "warnSignalSet()",
};

/** Attaches this instance to its supervisor; resolves with what register() returns. */
export function attachInstance(marker: InstanceMarker, options: AttachOptions): Promise<InstanceRegistration> {
  const socket = new Socket({ fd: marker.fd, readable: true, writable: true });
  const pending: Pending[] = [];
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
      failAll(new SamError("CS_ERR_LIBRARY", `@samkit/backend-fork: the supervisor (PID ${marker.supervisorPid}) is gone (${reason}); this instance is no longer supervised`));
      if (options.onSupervisorLost) {
        options.onSupervisorLost();
        return;
      }
      // Differs from libsam, whose instance runs on unsupervised until SIGPIPE: leave no orphan.
      process.stderr.write(`samkit: the supervisor (PID ${marker.supervisorPid}) is gone; instance PID ${process.pid} exits\n`);
      process.exit(1);
    };

    const reader = new FrameReader(
      (type) => (type === SupervisorFrame.welcome ? welcomeLimit : type === SupervisorFrame.reply ? smallFrameLimit : undefined),
      (type, payload) => {
        if (type === SupervisorFrame.welcome) {
          const welcome = decodeWelcome(payload);
          const warnSignal = welcome && signalName(welcome.warnSignal);
          if (registered || welcome === undefined || warnSignal === undefined || welcome.version !== protocolVersion) {
            supervisorLost("it sent a malformed welcome");
            return;
          }
          registered = true;
          releaseIfIdle();
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
        else request.reject(new SamError(reply.csError, reply.message || `@samkit/backend-fork: the supervisor refused ${frameNames[reply.request] ?? "a request"}`));
      },
    );

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

    const request = (frame: Buffer, type: number): Promise<void> => {
      if (lost) {
        return Promise.reject(new SamError("CS_ERR_LIBRARY", `@samkit/backend-fork: ${frameNames[type]} failed: the supervisor is gone`));
      }
      return new Promise<void>((resolve, reject) => {
        pending.push({ request: type, resolve, reject });
        socket.ref();
        socket.write(frame);
      });
    };

    const send = (frame: Buffer) => {
      if (!lost) socket.write(frame);
    };

    const link: InstanceLink = {
      start: () => request(startFrame, InstanceFrame.start),
      stop: () => request(stopFrame, InstanceFrame.stop),
      heartbeat: () => {
        if (lost) throw new SamError("CS_ERR_LIBRARY", "@samkit/backend-fork: hcSend() failed: the supervisor is gone");
        socket.write(heartbeatFrame);
      },
      dataStore: (data) => request(encodeDataStore(data), InstanceFrame.dataStore),
      warnSignalSet: (signal: SignalName) => request(encodeWarnSignalSet(signalNumber(signal)), InstanceFrame.warnSignalSet),
      markFailed: async () => {
        // Fire and forget, as libsam: the answer is SIGKILL.
        if (lost) throw new SamError("CS_ERR_LIBRARY", "@samkit/backend-fork: markFailed() failed: the supervisor is gone");
        send(markFailedFrame);
      },
    };

    socket.write(encodeHello(process.pid));
  });
}
