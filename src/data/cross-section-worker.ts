/**
 * A helper of the lab worker (browser Web Worker, cross-section-pool.ts): preprocesses the blocks of dates it is sent,
 * computes blocks of the factor pass (factor-pass-job.ts), prepares memory it is asked for (reserve), and sends each
 * back. It imports only that code (no DuckDB, no tfjs), so it starts in milliseconds.
 */
import { runCrossSectionJob, type HelperJob } from './cross-section-pool';

const ctx = self as unknown as {
  postMessage(m: unknown, t: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

ctx.onmessage = (e: MessageEvent) => {
  const { reply, transfer } = runCrossSectionJob(e.data as HelperJob);
  ctx.postMessage(reply, transfer);
};
