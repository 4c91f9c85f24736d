/**
 * A preprocessing helper (browser Web Worker): preprocesses the blocks of dates the lab worker sends
 * (cross-section-pool.ts) and sends them back; and memory it is asked to prepare (reserve). It imports only the preprocessing code, so it starts in milliseconds.
 */
import { runCrossSectionJob, type CrossSectionJob, type ReserveRequest } from './cross-section-pool';

const ctx = self as unknown as {
  postMessage(m: unknown, t: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

ctx.onmessage = (e: MessageEvent) => {
  const { reply, transfer } = runCrossSectionJob(e.data as CrossSectionJob | ReserveRequest);
  ctx.postMessage(reply, transfer);
};
