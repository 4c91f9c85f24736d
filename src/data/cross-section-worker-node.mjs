// A helper (Node worker_thread) for cross-section-pool-node.ts: registers tsx itself (the parent may run under vitest
// or plain tsx), then answers each job with runCrossSectionJob (cross-section-pool.ts), or a parquet row group with
// runParquetJob (parquet-helper.ts; parquet-wasm is loaded on the first one).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runCrossSectionJob } = await import('./cross-section-pool.ts');
parentPort.on('message', (job) => {
  if ('parquet' in job) {
    (async () => {
      const [{ runParquetJob }, { initParquetNode }] = await Promise.all([import('./parquet-helper.ts'), import('./parquet-node.ts')]);
      const { reply, transfer } = await runParquetJob(job, initParquetNode);
      parentPort.postMessage(reply, transfer);
    })().catch((err) => parentPort.postMessage({ id: job.id, ok: false, error: String(err) }));
    return;
  }
  const { reply, transfer } = runCrossSectionJob(job);
  parentPort.postMessage(reply, transfer);
});
