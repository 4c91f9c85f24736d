/**
 * Browser SqlEngine: DuckDB-WASM's synchronous browser bindings (duckdb-browser-blocking.mjs).
 * Meant to run INSIDE the lab's own Web Worker, so the synchronous API never blocks the UI thread.
 * The eh / mvp wasm files are emitted by Vite (`?url`) and served from our own origin: no CDN, no network.
 *
 * The blocking browser build is not listed in the package's `exports`, so it is imported by relative path
 * (a Vite alias would do as well); it has no `.d.mts`, hence the local type below.
 */
// @ts-expect-error -- duckdb-browser-blocking.mjs ships without a .d.mts; typed by BrowserBlockingModule below
import * as duckdbBlocking from '../../node_modules/@duckdb/duckdb-wasm/dist/duckdb-browser-blocking.mjs';
import ehWasmUrl from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import mvpWasmUrl from '@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url';
import { engineFromBindings, type BlockingBindings, type SqlEngine } from './sql-engine';

interface BrowserBlockingModule {
  createDuckDB(
    bundles: { mvp: { mainModule: string; mainWorker: string }; eh?: { mainModule: string; mainWorker: string } },
    logger: unknown,
    runtime: unknown,
  ): Promise<BlockingBindings & { instantiate(cb: (p: unknown) => void): Promise<unknown> }>;
  VoidLogger: new () => unknown;
  BROWSER_RUNTIME: unknown;
}

/** Create an in-memory DuckDB (browser, blocking API; call from a Web Worker). */
export async function createBrowserEngine(): Promise<SqlEngine> {
  const duckdb = duckdbBlocking as unknown as BrowserBlockingModule;
  // the blocking bindings load `mainModule` directly; `mainWorker` is unused (no DuckDB worker of its own)
  const bundles = {
    mvp: { mainModule: new URL(mvpWasmUrl, self.location.href).href, mainWorker: '' },
    eh: { mainModule: new URL(ehWasmUrl, self.location.href).href, mainWorker: '' },
  };
  const db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.BROWSER_RUNTIME);
  await db.instantiate(() => {});
  return engineFromBindings(db);
}
