// A preprocessing helper (Node worker_thread) for cross-section-pool-node.ts: registers tsx itself (the parent may run
// under vitest or plain tsx), then answers each block of dates with runCrossSectionJob (cross-section-pool.ts).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runCrossSectionJob } = await import('./cross-section-pool.ts');
parentPort.on('message', (job) => {
  const { reply, transfer } = runCrossSectionJob(job);
  parentPort.postMessage(reply, transfer);
});
