/**
 * A preprocessing helper (browser Web Worker): preprocesses the blocks of dates the lab worker sends
 * (cross-section-pool.ts) and sends them back; prepares memory it is asked for (reserve); decodes parquet row groups
 * (parquet-wasm, initialised here on the first one). Messages come one at a time (the pool waits for each reply).
 */
import { runCrossSectionJob, type CrossSectionReply, type HelperRequest } from './cross-section-pool';
import { decodeRowGroup } from './parquet';
import { initParquetBrowser } from './parquet-browser';

const ctx = self as unknown as {
  postMessage(m: unknown, t: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

let parquetReady: Promise<void> | null = null;
// after a failed decode this helper decodes nothing more: a decoder trap can leave parquet-wasm's heap broken, and
// the loading thread decodes (and reports) those groups itself
let decodeBroken: string | null = null;

ctx.onmessage = async (e: MessageEvent) => {
  const m = e.data as HelperRequest;
  if ('decode' in m) {
    let reply: CrossSectionReply;
    let transfer: ArrayBuffer[] = [];
    try {
      if (decodeBroken) throw new Error(`this helper stopped decoding after: ${decodeBroken}`);
      await (parquetReady ??= initParquetBrowser());
      const { file, group, batchSize, cols } = m.decode;
      const ipc = decodeRowGroup(file, group, batchSize, cols);
      reply = { id: m.id, ok: true, ipc };
      transfer = [ipc.buffer as ArrayBuffer];
    } catch (err) {
      reply = { id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) };
      decodeBroken ??= reply.error;
    }
    ctx.postMessage(reply, transfer);
    return;
  }
  const { reply, transfer } = runCrossSectionJob(m);
  ctx.postMessage(reply, transfer);
};
