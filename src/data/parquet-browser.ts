/** Browser initialisation of parquet-wasm: Vite emits the wasm as an asset of our own origin (`?url`). */
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import { initParquet } from './parquet';

/** Initialise parquet-wasm in a browser page or worker (idempotent). */
export async function initParquetBrowser(): Promise<void> {
  await initParquet(new URL(parquetWasmUrl, self.location.href));
}
