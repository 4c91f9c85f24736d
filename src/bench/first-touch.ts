/**
 * The machine's cost of touching fresh memory (page faults), for the data figures of `npm run bench` in Node and in
 * Chromium: a load writes 1-2 GB it has just allocated (the panel, DuckDB's tables, Arrow batches).
 */

/** ms to write a fresh `mb` MB Float32Array once, one write per 4 KB page: the faults, not the bandwidth */
export function firstTouchMs(mb: number): number {
  const a = new Float32Array((mb * 1024 * 1024) / 4);
  const t0 = performance.now();
  for (let i = 0; i < a.length; i += 1024) a[i] = 1;
  return performance.now() - t0;
}
