/**
 * Node versions of the worker's runtime pieces (headless runner, tests): DuckDB node-blocking engine,
 * parquet-wasm from node_modules, bundled data read from public/data/. Never imported by browser code.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createNodeEngine } from '../data/sql-engine-node';
import { initParquetNode } from '../data/parquet-node';
import type { SqlEngine } from '../data/sql-engine';
import { readBundledWith } from './bundled';
import type { DataIO } from './dataset';
import type { CrossSectionPool } from '../data/cross-section-pool';
import { nodeCrossSectionPool } from '../data/cross-section-pool-node';
import type { WorkerEnv } from './dispatcher';

/**
 * DataIO for Node; bundled datasets are read from `dataDir` (default <cwd>/public/data). `prepHelpers`: worker threads
 * for the per-date preprocessing of a cold load (cross-section-pool-node.ts); default 0 (tests load small panels, where
 * helpers would only cost their start), the runner and the bench ask for defaultHelperCount(cores).
 */
export function nodeDataIO(
  dataDir = join(process.cwd(), 'public', 'data'),
  opts: { prepHelpers?: number } = {},
): DataIO & { close(): void } {
  let engine: Promise<SqlEngine> | null = null;
  let pool: CrossSectionPool | null | undefined;
  return {
    crossSectionPool: () => {
      if (pool === undefined) pool = (opts.prepHelpers ?? 0) > 0 ? nodeCrossSectionPool(opts.prepHelpers) : null;
      return pool;
    },
    engine: () => (engine ??= createNodeEngine()),
    initParquet: initParquetNode,
    readBundled: (name) =>
      readBundledWith(name, async (rel) => (existsSync(join(dataDir, rel)) ? new Uint8Array(await readFile(join(dataDir, rel))) : null)),
    fetchUrl: async (url) => {
      if (!/^https?:/.test(url)) return new Uint8Array(await readFile(url));
      const r = await fetch(url);
      if (!r.ok) throw new Error(`Fetching ${url} failed: HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    },
    close: () => {
      void engine?.then((e) => e.close());
      engine = null;
      pool?.close();
      pool = undefined;
    },
  };
}

/** WorkerEnv for running the dispatcher in-process under Node */
export const nodeWorkerEnv = (dataDir?: string): WorkerEnv => ({ io: () => nodeDataIO(dataDir) });
