/** Node initialisation of parquet-wasm: the wasm bytes are read from node_modules/parquet-wasm/esm/. */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { initParquet } from './parquet';

/** Initialise parquet-wasm in Node (idempotent). */
export async function initParquetNode(): Promise<void> {
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve('parquet-wasm/esm/parquet_wasm_bg.wasm');
  await initParquet(readFileSync(wasmPath));
}
