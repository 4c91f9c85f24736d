/**
 * A helper of the lab worker (browser Web Worker, cross-section-pool.ts): preprocesses the blocks of dates it is sent,
 * computes blocks of the factor pass (factor-pass-job.ts), decodes parquet row groups (parquet-helper.ts), prepares
 * memory it is asked for (reserve), and sends each back. It starts with the preprocessing and factor code only (no
 * DuckDB, no tfjs), so it starts in milliseconds; parquet-wasm is loaded on the first row group it is given.
 */
import { runCrossSectionJob, type HelperJob } from './cross-section-pool';

const ctx = self as unknown as {
  postMessage(m: unknown, t: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

ctx.onmessage = (e: MessageEvent) => {
  const job = e.data as HelperJob;
  if ('parquet' in job) {
    void (async () => {
      const [{ runParquetJob }, { initParquetBrowser }] = await Promise.all([import('./parquet-helper'), import('./parquet-browser')]);
      const { reply, transfer } = await runParquetJob(job, initParquetBrowser);
      ctx.postMessage(reply, transfer);
    })().catch((err: unknown) => ctx.postMessage({ id: job.id, ok: false, error: String(err) }, []));
    return;
  }
  const { reply, transfer } = runCrossSectionJob(job);
  ctx.postMessage(reply, transfer);
};
