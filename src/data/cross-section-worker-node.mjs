// A preprocessing helper (Node worker_thread) for cross-section-pool-node.ts: registers tsx itself (the parent may run
// under vitest or plain tsx), then answers each message with runCrossSectionJob (cross-section-pool.ts), or decodes a
// parquet row group (parquet.ts decodeRowGroup; parquet-wasm initialised on the first one).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runCrossSectionJob } = await import('./cross-section-pool.ts');
let parquet = null;
// after a failed decode this helper decodes nothing more (a decoder trap can leave parquet-wasm's heap broken)
let decodeBroken = null;
parentPort.on('message', async (m) => {
  if (m.decode) {
    try {
      if (decodeBroken) throw new Error(`this helper stopped decoding after: ${decodeBroken}`);
      parquet ??= (async () => {
        const [{ decodeRowGroup }, { initParquetNode }] = await Promise.all([import('./parquet.ts'), import('./parquet-node.ts')]);
        await initParquetNode();
        return decodeRowGroup;
      })();
      const decodeRowGroup = await parquet;
      const { file, group, batchSize, cols } = m.decode;
      const ipc = decodeRowGroup(file, group, batchSize, cols);
      parentPort.postMessage({ id: m.id, ok: true, ipc }, [ipc.buffer]);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      decodeBroken ??= error;
      parentPort.postMessage({ id: m.id, ok: false, error });
    }
    return;
  }
  const { reply, transfer } = runCrossSectionJob(m);
  parentPort.postMessage(reply, transfer);
});
