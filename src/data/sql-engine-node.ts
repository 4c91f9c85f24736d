/**
 * Node SqlEngine: DuckDB-WASM's synchronous node bindings (duckdb-node-blocking.cjs), wasm files read from
 * node_modules/@duckdb/duckdb-wasm/dist/. Used by tests, benchmarks and the headless runner.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { engineFromBindings, type BlockingBindings, type SqlEngine } from './sql-engine';

/** Create an in-memory DuckDB (node, blocking API) with extension autoload/autoinstall off. */
export async function createNodeEngine(): Promise<SqlEngine> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs');
  const dist = dirname(entry);
  const duckdb = require(entry) as typeof import('@duckdb/duckdb-wasm/blocking');
  const bundles = {
    mvp: { mainModule: join(dist, 'duckdb-mvp.wasm'), mainWorker: join(dist, 'duckdb-node-mvp.worker.cjs') },
    eh: { mainModule: join(dist, 'duckdb-eh.wasm'), mainWorker: join(dist, 'duckdb-node-eh.worker.cjs') },
  };
  const db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate(() => {});
  return engineFromBindings(db as unknown as BlockingBindings);
}
