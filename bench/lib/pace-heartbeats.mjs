/**
 * Calls `send()` `rate` times per second for `seconds`, in a batch every millisecond or so: as
 * many as are due by then, so a late timer catches up instead of lowering the rate. Resolves with
 * the number sent.
 */
export function paceHeartbeats({ rate, seconds, send }) {
  const started = performance.now();
  let sent = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - started;
      if (elapsed >= seconds * 1000) {
        resolve(sent);
        return;
      }
      const due = Math.floor((rate * elapsed) / 1000);
      for (; sent < due; sent++) send();
      setTimeout(tick, 1);
    };
    tick();
  });
}
