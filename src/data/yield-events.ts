/**
 * Let the event loop deliver the helper threads' replies (cross-section-pool.ts) to a loop that works on the loading
 * thread meanwhile: one macrotask turn (setImmediate in Node, a MessageChannel in a worker; a resolved promise would
 * not let a message in).
 */
export function yieldToEvents(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  return new Promise((r) => {
    const c = new MessageChannel();
    c.port1.onmessage = () => {
      c.port1.close();
      r();
    };
    c.port2.postMessage(0);
  });
}
