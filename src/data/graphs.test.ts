import { describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import type { Panel } from '../core/panel';
import { graphNodes, industryAdjacency, industryProportions, sameIndustryEdgesPerStock, universeAdjacency } from './graphs';

/**
 * 5 stocks x 3 dates, industries A, B, C:
 *   date 0: industries [0,0,1,1,2], all valid
 *   date 1: industries [0,0,0,1,2], all valid
 *   date 2: industries [0,0,1,-1,2], stock 1 invalid
 * universe 'big' = stocks 0, 1, 2, 4 on every date
 */
function handPanel(): Panel {
  const T = 3,
    N = 5;
  const industry = Int32Array.from(
    [
      [0, 0, 1, 1, 2],
      [0, 0, 0, 1, 2],
      [0, 0, 1, -1, 2],
    ].flat(),
  );
  const valid = Uint8Array.from(
    [
      [1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1],
      [1, 0, 1, 1, 1],
    ].flat(),
  );
  const big = Uint8Array.from({ length: T * N }, (_, k) => (k % N === 3 ? 0 : 1));
  return {
    dates: ['2020-01-02', '2020-01-03', '2020-01-06'],
    tickers: ['S0', 'S1', 'S2', 'S3', 'S4'],
    factorNames: ['f'],
    factorGroups: ['g'],
    x: new Float32Array(T * N),
    valid,
    industry,
    industryNames: ['A', 'B', 'C'],
    horizons: [1],
    fwd: new Float32Array(T * N),
    ret: new Float32Array(T * N),
    tradable: new Uint8Array(T * N).fill(1),
    universes: [
      { name: 'all', description: '', member: new Uint8Array(T * N).fill(1) },
      { name: 'big', description: '', member: big },
    ],
    source: { name: 'hand', kind: 'synthetic' },
  };
}
const rows = (mask: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => Array.from(mask.subarray(i * n, i * n + n)));

describe('industry graph', () => {
  const p = handPanel();
  it('is block-diagonal by industry with self loops; a stock alone in its industry has only its self loop', () => {
    const { index, mask } = industryAdjacency(p, 0);
    expect(Array.from(index)).toEqual([0, 1, 2, 3, 4]);
    expect(rows(mask, 5)).toEqual([
      [1, 1, 0, 0, 0],
      [1, 1, 0, 0, 0],
      [0, 0, 1, 1, 0],
      [0, 0, 1, 1, 0],
      [0, 0, 0, 0, 1], // industry 2 has one stock
    ]);
  });
  it('uses only valid universe members as nodes; unknown industry links to nothing but itself', () => {
    // date 2: stock 1 invalid -> nodes 0, 2, 3, 4; stock 3's industry is unknown (-1)
    const { index, mask } = industryAdjacency(p, 2);
    expect(Array.from(index)).toEqual([0, 2, 3, 4]);
    expect(rows(mask, 4)).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    // date 0 within 'big' (no stock 3): stock 2 loses its partner
    const b = industryAdjacency(p, 0, 'big');
    expect(Array.from(b.index)).toEqual([0, 1, 2, 4]);
    expect(rows(b.mask, 4)).toEqual([
      [1, 1, 0, 0],
      [1, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    // a raw [T, N] membership array works the same
    expect(Array.from(industryAdjacency(p, 0, p.universes[1].member).index)).toEqual([0, 1, 2, 4]);
  });
  it('universe graph links every pair of members', () => {
    const { index, mask } = universeAdjacency(p, 2, 'big');
    expect(Array.from(index)).toEqual([0, 2, 4]);
    expect(Array.from(mask)).toEqual(new Array(9).fill(1));
  });
  it('an unknown universe name is a LabError', () => {
    expect(() => graphNodes(p, 0, 'csi300')).toThrow(LabError);
    expect(() => graphNodes(p, 0, 'csi300')).toThrow(/unknown universe 'csi300'/);
  });
});

describe('DMFM Figure 3 / 4 series', () => {
  const p = handPanel();
  it('same-industry edges per stock', () => {
    const e = sameIndustryEdgesPerStock(p);
    // date 0: others in own industry = [1,1,1,1,0] -> 4 / 5 = 0.8
    // date 1: [2,2,2,0,0] -> 6 / 5 = 1.2
    // date 2: nodes 0,2,3,4 with industries 0,1,-1,2 -> [0,0,0,0] -> 0
    expect(e[0]).toBeCloseTo(0.8, 6);
    expect(e[1]).toBeCloseTo(1.2, 6);
    expect(e[2]).toBe(0);
    // within 'big' on date 0: nodes 0,1,2,4 -> [1,1,0,0] -> 2 / 4 = 0.5; date 1: [2,2,2,0] -> 6 / 4 = 1.5
    const b = sameIndustryEdgesPerStock(p, 'big');
    expect(b[0]).toBeCloseTo(0.5, 6);
    expect(b[1]).toBeCloseTo(1.5, 6);
    // equals the industry graph's edge count without self loops, divided by the nodes
    for (let t = 0; t < 3; t++) {
      const { index, mask } = industryAdjacency(p, t, 'big');
      const offDiag = mask.reduce((s, v) => s + v, 0) - index.length;
      expect(b[t]).toBeCloseTo(offDiag / index.length, 6);
    }
  });
  it('a date without members gives NaN', () => {
    const q = handPanel();
    q.valid.fill(0, 5, 10);
    expect(sameIndustryEdgesPerStock(q)[1]).toBeNaN();
    expect(industryProportions(q).share[1 * 4]).toBeNaN(); // K = 4 (A, B, C, unknown): row 1 starts at 4
  });
  it('industry proportions per date, with an unknown column when needed', () => {
    const { industries, share } = industryProportions(p);
    expect(industries).toEqual(['A', 'B', 'C', 'unknown']);
    // date 0: [2,2,1,0] / 5; date 1: [3,1,1,0] / 5; date 2 (4 nodes): [1,1,1,1] / 4
    const e = [
      [0.4, 0.4, 0.2, 0],
      [0.6, 0.2, 0.2, 0],
      [0.25, 0.25, 0.25, 0.25],
    ];
    e.flat().forEach((v, k) => expect(share[k]).toBeCloseTo(v, 6));
    const b = industryProportions(p, 'big');
    expect(b.industries).toEqual(['A', 'B', 'C']); // no member of 'big' has an unknown industry
    // date 0 in big: [2,1,1] / 4
    [0.5, 0.25, 0.25].forEach((v, k) => expect(b.share[k]).toBeCloseTo(v, 6));
  });
});
