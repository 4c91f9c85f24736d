/**
 * The lab's corpus of bad inputs (issue 16): files, links and settings a hostile or careless user could give, each
 * with the outcome the lab must produce (a message naming the problem, or a warning and correct handling). Built in
 * memory so the unit tests (scripts/bad-corpus.test.ts, against the loaders and the runner's data path) and the e2e
 * test (e2e/bad-input-corpus.spec.ts, a sample against the page) use the same cases; `make-bad-corpus.ts` writes them
 * to a folder with a manifest for people.
 */

/**
 * Flip `k` bytes of a parquet file's data pages (between the leading magic and the footer; magic, footer length and
 * footer stay valid) with a seeded LCG: a file that opens but whose pages do not decode.
 */
export function corruptDataPages(good: Uint8Array, seed: number, k = 6): Uint8Array {
  const bad = good.slice();
  const footer = new DataView(good.buffer, good.byteOffset, good.byteLength).getUint32(good.length - 8, true);
  const end = good.length - 8 - footer;
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let j = 0; j < k; j++) bad[4 + Math.floor(rnd() * (end - 4))] = Math.floor(rnd() * 256);
  return bad;
}
