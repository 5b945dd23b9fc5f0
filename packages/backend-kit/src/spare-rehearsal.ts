/**
 * What a parked warm spare does while it waits for its welcome: it runs once the code its
 * promotion will run, so that V8 has compiled it by then.
 */
import { FrameReader, headerSize } from "./frames.js";
import { decodeWelcome, encodeExiting, encodeWelcome, welcomeLimit } from "./channel-protocol.js";
import { signalName } from "@samkit/core";

const ignore = () => {};

/**
 * Runs once, in a parked spare, what its promotion sets going: a welcome read as the handshake
 * reads it (header, then payload) and decoded, a socket made for the channel (with no descriptor
 * here) that starts reading and is unref'd, as the channel's is, and the exit notice encoded. V8
 * compiles a function on its first call; without this the spare compiles all of it after it is
 * promoted, on the restart's clock. attachInstanceChannel's own closures are compiled before the
 * wait in another way (see the frame reader there).
 */
export function rehearse(Socket: typeof import("node:net").Socket): void {
  const reader = new FrameReader(
    () => welcomeLimit,
    (_type, payload) => {
      const welcome = decodeWelcome(payload);
      if (welcome) signalName(welcome.warnSignal);
    },
  );
  const welcome = encodeWelcome({ instanceId: 1, interval: 0, warnSignal: 15, data: new Uint8Array(1) });
  reader.push(welcome.subarray(0, headerSize));
  reader.push(welcome.subarray(headerSize));
  encodeExiting(0);
  const socket = new Socket({ readable: true, writable: true });
  for (const event of ["data", "end", "close", "error"]) socket.on(event, ignore);
  // Without a descriptor both only wait for a connection that never comes.
  socket.read(0);
  socket.unref();
  socket.destroy();
}

