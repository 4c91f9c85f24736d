/**
 * Dynamic stock graphs per date (DMFM, Definitions 1-2): the industry graph links stocks of the same industry,
 * the universe graph links all constituents. Nodes on date t are the valid members of the chosen universe
 * (panel.valid AND universe member), so listings, de-listings and universe changes move the graph over time.
 * The masks are the time-variant M_t of DMFM eq. (2), with a self loop on every node (for GAT attention).
 */
import { LabError } from '../core/errors';
import type { Panel, UniverseDef } from '../core/panel';

/** A universe by name, definition or raw [T, N] membership; absent = every valid stock. */
export type UniverseRef = string | UniverseDef | Uint8Array;

/** Membership [T, N] for a universe reference (null = no restriction beyond panel.valid). */
export function resolveUniverse(p: Panel, u: UniverseRef | undefined): Uint8Array | null {
  if (u === undefined) return null;
  if (u instanceof Uint8Array) {
    if (u.length !== p.valid.length)
      throw new LabError(`graphs: universe membership has ${u.length} entries, expected T*N = ${p.valid.length}`);
    return u;
  }
  if (typeof u === 'string') {
    const d = p.universes.find((v) => v.name === u);
    if (!d) throw new LabError(`graphs: unknown universe '${u}'`, `The panel has ${p.universes.map((v) => v.name).join(', ')}.`);
    return d.member;
  }
  return u.member;
}

/** Node list of date t: valid stocks that are members of the universe, ascending stock ids. */
export function graphNodes(p: Panel, t: number, universe?: UniverseRef): Int32Array {
  const N = p.tickers.length;
  const mem = resolveUniverse(p, universe);
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    const k = t * N + n;
    if (p.valid[k] && (mem === null || mem[k])) out.push(n);
  }
  return Int32Array.from(out);
}

export interface Adjacency {
  /** [n] stock ids of the nodes (ascending) */
  index: Int32Array;
  /** [n, n] 1 = edge (i, j); symmetric, diagonal = 1 */
  mask: Uint8Array;
}

/**
 * Industry graph on date t (DMFM eq. 2): mask[i, j] = 1 when nodes i and j share an industry, plus self loops.
 * A stock alone in its industry, or of unknown industry (-1), has only its self loop.
 */
export function industryAdjacency(p: Panel, t: number, universe?: UniverseRef): Adjacency {
  const index = graphNodes(p, t, universe);
  const n = index.length,
    N = p.tickers.length;
  const mask = new Uint8Array(n * n); // [n, n]
  for (let i = 0; i < n; i++) {
    const gi = p.industry[t * N + index[i]];
    mask[i * n + i] = 1;
    if (gi < 0) continue;
    for (let j = i + 1; j < n; j++) {
      if (p.industry[t * N + index[j]] === gi) {
        mask[i * n + j] = 1;
        mask[j * n + i] = 1;
      }
    }
  }
  return { index, mask };
}

/** Universe graph on date t: every pair of member nodes is linked (all-ones mask, self loops included). */
export function universeAdjacency(p: Panel, t: number, universe?: UniverseRef): Adjacency {
  const index = graphNodes(p, t, universe);
  return { index, mask: new Uint8Array(index.length * index.length).fill(1) };
}

/**
 * DMFM Figure 3: per date, the average over member nodes of the number of OTHER members in the same
 * industry, sum_k c_k (c_k - 1) / n with c_k the members of industry k (unknown industry counts 0).
 * [T]; NaN on dates without members.
 */
export function sameIndustryEdgesPerStock(p: Panel, universe?: UniverseRef): Float32Array {
  const T = p.dates.length,
    N = p.tickers.length,
    K = p.industryNames.length;
  const mem = resolveUniverse(p, universe);
  const out = new Float32Array(T); // [T]
  const cnt = new Float64Array(K);
  for (let t = 0; t < T; t++) {
    cnt.fill(0);
    let members = 0;
    for (let n = 0; n < N; n++) {
      const k = t * N + n;
      if (!p.valid[k] || (mem !== null && !mem[k])) continue;
      members++;
      const g = p.industry[k];
      if (g >= 0 && g < K) cnt[g]++;
    }
    let edges = 0;
    for (let g = 0; g < K; g++) edges += cnt[g] * (cnt[g] - 1);
    out[t] = members > 0 ? edges / members : NaN;
  }
  return out;
}

/**
 * DMFM Figure 4: per date, each industry's share of the universe's member nodes. share [T, K] sums to 1 per
 * date with members (NaN rows otherwise); a last column 'unknown' is added when some member has industry -1.
 */
export function industryProportions(p: Panel, universe?: UniverseRef): { industries: string[]; share: Float32Array } {
  const T = p.dates.length,
    N = p.tickers.length,
    K0 = p.industryNames.length;
  const mem = resolveUniverse(p, universe);
  let anyUnknown = false;
  for (let k = 0; k < T * N && !anyUnknown; k++) {
    if (p.valid[k] && (mem === null || mem[k]) && !(p.industry[k] >= 0 && p.industry[k] < K0)) anyUnknown = true;
  }
  const K = K0 + (anyUnknown ? 1 : 0);
  const share = new Float32Array(T * K); // [T, K]
  const cnt = new Float64Array(K);
  for (let t = 0; t < T; t++) {
    cnt.fill(0);
    let members = 0;
    for (let n = 0; n < N; n++) {
      const k = t * N + n;
      if (!p.valid[k] || (mem !== null && !mem[k])) continue;
      members++;
      const g = p.industry[k];
      cnt[g >= 0 && g < K0 ? g : K0]++;
    }
    for (let g = 0; g < K; g++) share[t * K + g] = members > 0 ? cnt[g] / members : NaN;
  }
  return { industries: anyUnknown ? [...p.industryNames, 'unknown'] : p.industryNames.slice(), share };
}
