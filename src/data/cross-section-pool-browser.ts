/**
 * The preprocessing pool in the browser: Web Workers started from the lab worker (nested dedicated workers), one
 * per core beyond the lab worker's own, at most 7 (cross-section-pool.ts).
 */
import { createCrossSectionPool, type CrossSectionPool, type CrossSectionReply } from './cross-section-pool';
export { defaultHelperCount } from './cross-section-pool';

export function browserCrossSectionPool(size: number): CrossSectionPool {
  return createCrossSectionPool(() => {
    const w = new Worker(new URL('./cross-section-worker.ts', import.meta.url), { type: 'module', name: 'factor-lab-preprocess' });
    return {
      post: (job, transfer) => w.postMessage(job, transfer),
      listen: (reply, fail) => {
        w.onmessage = (e: MessageEvent) => reply(e.data as CrossSectionReply);
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          fail(e.message || 'the helper script failed');
        };
        w.onmessageerror = () => fail('a reply could not be read');
      },
      terminate: () => w.terminate(),
    };
  }, size);
}
