/**
 * The preprocessing pool in Node (headless runner, bench, tests): worker_threads running
 * cross-section-worker-node.mjs. A helper holds the process open only while it has a block (ref / unref).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createCrossSectionPool, defaultHelperCount, type CrossSectionPool, type CrossSectionReply } from './cross-section-pool';

export function nodeCrossSectionPool(size = defaultHelperCount(availableParallelism())): CrossSectionPool {
  const entry = new URL('./cross-section-worker-node.mjs', import.meta.url);
  return createCrossSectionPool(() => {
    const w = new Worker(entry);
    w.unref();
    return {
      post: (job, transfer) => {
        w.ref();
        w.postMessage(job, transfer);
      },
      listen: (reply, fail) => {
        w.on('message', (r: CrossSectionReply) => {
          w.unref();
          reply(r);
        });
        w.on('error', (e: Error) => fail(e.message));
        w.on('exit', (code) => fail(`exited with code ${code}`));
      },
      terminate: () => void w.terminate(),
    };
  }, size);
}
