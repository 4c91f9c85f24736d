import { describe, expect, it } from 'vitest';
import { backtest, capWeights, resolveStrategy } from './backtest';

/** [T, N] array from a function of (t, n). */
const grid = (T: number, N: number, f: (t: number, n: number) => number) => {
  const a = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) a[t * N + n] = f(t, n);
  return a;
};
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('top-decile rebalance with costs over three periods', () => {
  // 20 stocks, 10 groups -> top decile = the 2 best scores. Rebalance every 2 formation dates: t = 0, 2, 4.
  // Formation dates 0..5, holding days 1..6. Cost 0.4% of traded value (DMFM).
  const T = 7,
    N = 20;
  const score = grid(T, N, (t, n) => {
    if (t >= 2 && n === 19) return -1; // t = 2: top = {18, 17}
    if (t >= 4 && n === 18) return -2; // t = 4: top = {17, 16}
    return n; // t = 0: top = {19, 18}
  });
  const R: Record<number, Record<number, number>> = {
    1: { 19: 0.1, 18: -0.05 },
    2: { 19: 0.02, 18: 0.04 },
    3: { 18: 0.1, 17: -0.1 },
    4: { 18: 0.0, 17: 0.2 },
    5: { 17: 0.01, 16: 0.03 },
    6: { 17: -0.02, 16: 0.0 },
  };
  const ret = grid(T, N, (t, n) => R[t]?.[n] ?? 0.3 * ((n % 3) - 1)); // other stocks move, but are not held
  const st = resolveStrategy({ lag: 0, kind: 'topquantile', groups: 10, rebalance: 2, cost: 0.004 });
  const bt = backtest({ T, N, score, ret }, st, { formation: range(0, 6) });

  it('holding days, rebalance days, holdings', () => {
    expect(Array.from(bt.day)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(bt.rebalanceDay)).toEqual([0, 2, 4]);
    expect(Array.from(bt.holdings)).toEqual([2, 2, 2]);
  });

  it('period 1: build {19, 18} at 1/2, pay 0.4% x 1', () => {
    // day 1: R = .5 x .10 + .5 x -.05 = .025; net = (1 - .004)(1.025) - 1 = .0209
    expect(bt.turnover[0]).toBeCloseTo(0.5, 14);
    expect(bt.cost[0]).toBeCloseTo(0.004, 15);
    expect(bt.ret[0]).toBeCloseTo(0.0209, 14);
    // day 2 (weights drifted to .55/1.025, .475/1.025): R = (.55 x .02 + .475 x .04) / 1.025 = .03 / 1.025
    expect(bt.ret[1]).toBeCloseTo(0.03 / 1.025, 14);
    expect(bt.cost[1]).toBe(0);
  });

  it('period 2: sell 19, top up 18, buy 17', () => {
    // values before trade: 19: .55 x 1.02 = .561, 18: .475 x 1.04 = .494, total 1.055
    // |dw|: 19: .561/1.055; 18: .5 - .494/1.055 = .0335/1.055; 17: .5 = .5275/1.055 -> sum 1.122/1.055
    expect(bt.turnover[1]).toBeCloseTo(0.561 / 1.055, 14);
    const c2 = 0.004 * (1.122 / 1.055);
    // day 3: R = .5 x .10 + .5 x -.10 = 0 -> net = -cost
    expect(bt.cost[2]).toBeCloseTo(c2, 15);
    expect(bt.ret[2]).toBeCloseTo(-c2, 15);
    // day 4: weights .55 and .45 -> R = .45 x .20 = .09
    expect(bt.ret[3]).toBeCloseTo(0.09, 14);
  });

  it('period 3: sell 18, trim 17, buy 16', () => {
    // values: 18: .55, 17: .45 x 1.2 = .54, total 1.09
    // |dw|: 18: .55/1.09; 17: .54/1.09 - .5 = .005/1.09; 16: .5 = .545/1.09 -> sum 1.1/1.09
    expect(bt.turnover[2]).toBeCloseTo(0.55 / 1.09, 14);
    const c4 = 0.004 * (1.1 / 1.09);
    // day 5: R = .5 x .01 + .5 x .03 = .02; net = (1 - c4)(1.02) - 1
    expect(bt.ret[4]).toBeCloseTo((1 - c4) * 1.02 - 1, 14);
    // day 6: weights 17: .505/1.02, 16: .515/1.02 -> R = .505 x -.02 / 1.02
    expect(bt.ret[5]).toBeCloseTo((0.505 * -0.02) / 1.02, 14);
    // total net value
    const nav = bt.ret.reduce((v, r) => v * (1 + r), 1);
    const expected = 0.996 * 1.025 * (1 + 0.03 / 1.025) * (1 - 0.004 * (1.122 / 1.055)) * 1.09 * (1 - c4) * 1.02 * (1 - 0.0101 / 1.02);
    expect(nav).toBeCloseTo(expected, 13);
  });
});

describe('TopK-Drop sequence over four days (k = 3, n = 1, Qlib semantics)', () => {
  // stocks A..F = 0..5; formation dates 0..3, holding days 1..4; open 0.05%, close 0.15% (defaults)
  const T = 5,
    N = 6;
  const S = [
    [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], // day 0: buy top 3 = A, B, C
    [0.5, 0.9, 0.1, 0.8, 0.7, 0.2], // day 1: comb = B .9, D .8, A .5, C .1 -> sell C, buy D
    [0.6, 0.5, 0.3, 0.4, 0.2, 0.1], // day 2: comb = A, B, D, C(.3) -> bottom is C, not held -> no trade
    [0.1, 0.9, 0.6, 0.8, 0.7, 0.5], // day 3: comb = B, D, E(.7), A(.1) -> sell A, buy E
  ];
  const score = grid(T, N, (t, n) => (t < 4 ? S[t][n] : NaN));
  const RET = [
    [0, 0, 0, 0, 0, 0],
    [0.03, 0, -0.03, 0.05, 0.01, 0.02],
    [0, 0.06, 0.5, -0.03, 0.1, 0],
    [0.01, -0.01, 0, 0.02, 0, 0],
    [0.2, 0, 0, 0, 0.05, 0],
  ];
  const ret = grid(T, N, (t, n) => RET[t][n]);
  const st = resolveStrategy({ lag: 0, kind: 'topkdrop', k: 3, n: 1 });
  const bt = backtest({ T, N, score, ret }, st, { formation: [0, 1, 2, 3] });

  it('uses the Qlib defaults and trades daily', () => {
    expect(st.openCost).toBe(0.0005);
    expect(st.closeCost).toBe(0.0015);
    expect(st.rebalance).toBe(1);
    expect(Array.from(bt.rebalanceDay)).toEqual([0, 1, 2, 3]);
    expect(Array.from(bt.holdings)).toEqual([3, 3, 3, 3]);
  });

  it('day 0 -> 1: buy A, B, C at 1/3, open cost 0.05% of 1', () => {
    // R = (.03 + 0 - .03) / 3 = 0; net = (1 - .0005) - 1
    expect(bt.turnover[0]).toBeCloseTo(0.5, 15);
    expect(bt.ret[0]).toBeCloseTo(-0.0005, 15);
  });

  it('day 1 -> 2: sell C (.97/3), buy D with the proceeds', () => {
    // drifted weights A 1.03/3, B 1/3, C .97/3; C sold, D bought at .97/3
    // turnover = .97/3; cost = (.0015 + .0005) x .97/3 = .00194/3
    expect(bt.turnover[1]).toBeCloseTo(0.97 / 3, 15);
    // R = (1 x .06 + .97 x -.03) / 3 = .0309 / 3 = .0103 (A earns 0)
    expect(bt.gross[1]).toBeCloseTo(0.0103, 15);
    expect(bt.ret[1]).toBeCloseTo((1 - 0.00194 / 3) * 1.0103 - 1, 15);
  });

  it('day 2 -> 3: the bottom of comb is a non-held stock, so nothing is traded', () => {
    expect(bt.turnover[2]).toBe(0);
    expect(bt.cost[2]).toBe(0);
    // values (x 1/3): A 1.03, B 1.06, D .97 x .97 = .9409; total 3.0309
    // R = (1.03 x .01 + 1.06 x -.01 + .9409 x .02) / 3.0309 = .018518 / 3.0309
    expect(bt.ret[2]).toBeCloseTo(0.018518 / 3.0309, 15);
  });

  it('day 3 -> 4: sell A, buy E with its value', () => {
    // values: A 1.03 x 1.01 = 1.0403, B 1.06 x .99 = 1.0494, D .9409 x 1.02 = .959718; total 3.049418
    const wA = 1.0403 / 3.049418;
    expect(bt.turnover[3]).toBeCloseTo(wA, 14);
    // day 4: A's +20% is no longer ours; E at wA earns 5%: net = (1 - .002 wA)(1 + .05 wA) - 1
    expect(bt.ret[3]).toBeCloseTo((1 - 0.002 * wA) * (1 + 0.05 * wA) - 1, 14);
    expect(bt.finalWeights[0]).toBe(0);
    expect(bt.finalWeights[4]).toBeCloseTo((wA * 1.05) / (1 + 0.05 * wA), 14);
  });
});

describe('quintile long-short', () => {
  // 10 stocks, 5 groups: long {8, 9}, short {0, 1}, equal weights, one rebalance
  const T = 2,
    N = 10;
  const score = grid(T, N, (_t, n) => n);
  const ret = grid(T, N, (t, n) => (t === 0 ? 0 : (({ 9: 0.04, 8: 0.02, 1: -0.01, 0: 0.03 } as Record<number, number>)[n] ?? 0.5)));

  it('return = mean(top) - mean(bottom), no cost by default', () => {
    // (.04 + .02)/2 - (-.01 + .03)/2 = .03 - .01 = .02
    const bt = backtest({ T, N, score, ret }, resolveStrategy({ lag: 0, kind: 'longshort' }), { formation: [0] });
    expect(bt.ret[0]).toBeCloseTo(0.02, 15);
    expect(bt.long[0]).toBeCloseTo(1, 15);
    expect(bt.short[0]).toBeCloseTo(-1, 15);
    expect(bt.holdings[0]).toBe(4);
    expect(bt.turnover[0]).toBeCloseTo(1, 15); // (|.5| x 2 + |-.5| x 2) / 2
  });

  it('with a 0.1% cost on a gross traded value of 2', () => {
    // cost = .001 x 2 = .002; net = .998 x 1.02 - 1 = .01796
    const bt = backtest({ T, N, score, ret }, resolveStrategy({ lag: 0, kind: 'longshort', cost: 0.001 }), { formation: [0] });
    expect(bt.ret[0]).toBeCloseTo(0.01796, 15);
  });
});

describe('model-weighted with a per-stock cap', () => {
  it('cap redistribution: two rounds of proportional water-filling', () => {
    // raw [.45, .35, .1, .1], cap .36:
    // round 1: .45 -> .36, excess .09 to (.35, .1, .1) by weight: .35 + .09 x .35/.55 = .40727 > .36
    // round 2: .40727 -> .36, excess .04727 to (.11636, .11636) -> .14 each
    // check: w = min(.36, lambda raw) with lambda = (1 - .72) / .2 = 1.4 -> .14
    const w = capWeights([0.45, 0.35, 0.1, 0.1], 0.36);
    expect(w[0]).toBeCloseTo(0.36, 15);
    expect(w[1]).toBeCloseTo(0.36, 15);
    expect(w[2]).toBeCloseTo(0.14, 14);
    expect(w[3]).toBeCloseTo(0.14, 14);
  });

  it('infeasible cap leaves the rest in cash; unnormalised input is scaled', () => {
    const w = capWeights([4, 3, 2, 1], 0.2);
    expect(Array.from(w)).toEqual([0.2, 0.2, 0.2, 0.2]);
    const v = capWeights([2, 1, 1], 1, 0.5); // total .5, no cap binding
    expect(v[0]).toBeCloseTo(0.25, 15);
    expect(v[1]).toBeCloseTo(0.125, 15);
  });

  it('backtest uses the capped model weights', () => {
    const T = 2,
      N = 4;
    const weights = grid(T, N, (_t, n) => [0.45, 0.35, 0.1, 0.1][n]);
    const ret = grid(T, N, (t, n) => (t === 1 ? [0.1, 0, 0, -0.1][n] : 0));
    const bt = backtest({ T, N, score: weights, weights, ret }, resolveStrategy({ lag: 0, kind: 'modelweight', cap: 0.36, cost: 0 }), {
      formation: [0],
    });
    // R = .36 x .1 + .14 x -.1 = .022
    expect(bt.ret[0]).toBeCloseTo(0.022, 15);
  });
});

describe('suspended stocks are neither bought nor sold', () => {
  it('top-quantile: a held suspended stock is kept, a suspended top stock is not bought', () => {
    // 12 stocks, 5 groups. t = 0: 12 candidates, group floor(r x 5 / 12) = 4 for r >= 10 -> top {10, 11}.
    // t = 1: 8 scores 100 but is suspended (not held: not bought); 11 scores -1, held but suspended (kept at .5).
    // 10 tradable candidates -> top group r >= 8 -> {10, 9}; they share 1 - .5 = .5 -> .25 each
    const T = 3,
      N = 12;
    const score = grid(T, N, (t, n) => (t === 1 ? (({ 8: 100, 11: -1 } as Record<number, number>)[n] ?? n) : n));
    const tradable = new Uint8Array(T * N).fill(1);
    tradable[1 * N + 11] = 0;
    tradable[1 * N + 8] = 0;
    const ret = grid(T, N, (t, n) => (t === 2 ? (({ 11: NaN, 10: 0.04, 9: 0.08, 8: 0.5 } as Record<number, number>)[n] ?? 0) : 0));
    const bt = backtest(
      { T, N, score, ret, tradable },
      resolveStrategy({ lag: 0, kind: 'topquantile', groups: 5, rebalance: 1, cost: 0.004 }),
      { formation: [0, 1] },
    );
    // t = 1 trade: 10 .5 -> .25, 9 0 -> .25: turnover (.25 + .25) / 2 = .25, cost .004 x .5 = .002
    expect(bt.holdings[1]).toBe(3);
    expect(bt.turnover[1]).toBeCloseTo(0.25, 15);
    expect(bt.cost[1]).toBeCloseTo(0.002, 15);
    // day 2: 11 has no price (earns 0), R = .25 x .04 + .25 x .08 = .03
    expect(bt.gross[1]).toBeCloseTo(0.03, 15);
    expect(bt.ret[1]).toBeCloseTo(0.998 * 1.03 - 1, 15);
    expect(bt.finalWeights[8]).toBe(0);
    expect(bt.finalWeights[11]).toBeCloseTo(0.5 / 1.03, 15);
  });

  it('TopK-Drop: a suspended buy is skipped and its cash kept; a suspended sell is not sold', () => {
    // k = 2, n = 1, no costs. Day 0: buy {0, 1}. Day 1: scores make 1 the worst and 2 the best new name,
    // but 2 is suspended -> 1 sold, 2 not bought, .5 cash. Day 2: 0 worst but suspended -> kept.
    const T = 4,
      N = 4;
    const S = [
      [0.9, 0.8, 0.1, 0.0],
      [0.9, 0.1, 0.8, 0.0],
      [0.0, 0.1, 0.9, 0.5],
    ];
    const score = grid(T, N, (t, n) => (t < 3 ? S[t][n] : NaN));
    const tradable = new Uint8Array(T * N).fill(1);
    tradable[1 * N + 2] = 0;
    tradable[2 * N + 0] = 0;
    const ret = grid(T, N, (t, n) => (t === 2 ? [0.1, 0.5, 0.5, 0][n] : 0));
    const bt = backtest(
      { T, N, score, ret, tradable },
      resolveStrategy({ lag: 0, kind: 'topkdrop', k: 2, n: 1, openCost: 0, closeCost: 0 }),
      { formation: [0, 1, 2] },
    );
    // day 2: only stock 0 at .5 (rest cash) -> R = .05
    expect(bt.ret[1]).toBeCloseTo(0.05, 15);
    // day 2 trade: holdings {0} at .55/1.05; last = [0], today = top (1 + 2 - 1) = {2, 3};
    // comb = 2 .9, 3 .5, 0 .0 -> sell 0 (suspended: kept); buy = first (1 + 2 - 1) = {2, 3} share the cash .5/1.05
    expect(bt.finalWeights[0]).toBeGreaterThan(0);
    expect(bt.holdings[2]).toBe(3);
    expect(bt.turnover[2]).toBeCloseTo(0.5 / 1.05 / 2, 15);
  });
});

describe('timing and schedule', () => {
  it('no look-ahead: the first return earned is the day after the first formation date', () => {
    const T = 4,
      N = 10;
    const score = grid(T, N, (_t, n) => n);
    // a huge return on the formation day itself must not be earned
    const ret = grid(T, N, (t, n) => (t === 1 && n >= 8 ? 1.0 : t === 2 && n >= 8 ? 0.01 : 0));
    const bt = backtest({ T, N, score, ret }, resolveStrategy({ lag: 0, kind: 'topquantile', groups: 5, cost: 0 }), { formation: [1, 2] });
    expect(bt.day[0]).toBe(2);
    expect(bt.ret[0]).toBeCloseTo(0.01, 15);
    // lag 1: trade at close 2, first return on day 3
    const lagged = backtest({ T, N, score, ret }, resolveStrategy({ kind: 'topquantile', groups: 5, cost: 0 }), { formation: [1, 2] });
    expect(lagged.day[0]).toBe(3);
  });

  it('explicit rebalance dates override the every-n schedule', () => {
    const T = 6,
      N = 10;
    const score = grid(T, N, (_t, n) => n);
    const ret = grid(T, N, () => 0);
    const bt = backtest({ T, N, score, ret }, resolveStrategy({ lag: 0, kind: 'topquantile', groups: 5 }), {
      formation: range(0, 5),
      rebalanceAt: [0, 3, 7],
    });
    expect(Array.from(bt.rebalanceDay)).toEqual([0, 3]);
  });
});

describe('lag 1 (the default): a top-quintile fixture traded at the next close', () => {
  // 10 stocks, 5 groups -> top 2. Formation dates 0..3, rebalance every 2 formation dates: t = 0 and t = 2, executed
  // at closes 1 and 3. Holding days 2..5 (the last formation date 3 is held through 3 + lag + 1 = 5). Cost 0.4%.
  const T = 6,
    N = 10;
  const score = grid(T, N, (t, n) => (t >= 2 && n === 9 ? -1 : n)); // t = 0: top {9, 8}; t = 2: top {8, 7}
  const R: Record<number, Record<number, number>> = {
    1: { 9: 0.5, 8: 0.5 }, // earned by a lag-0 portfolio (bought at close 0), not by the lag-1 one (bought at close 1)
    2: { 9: 0.1, 8: -0.05 },
    3: { 9: 0.02, 8: 0.04 },
    4: { 8: 0.1, 7: -0.1 },
    5: { 8: 0.0, 7: 0.2 },
  };
  const ret = grid(T, N, (t, n) => R[t]?.[n] ?? 0.3 * ((n % 3) - 1)); // other stocks move, but are not held
  const st = resolveStrategy({ kind: 'topquantile', groups: 5, rebalance: 2, cost: 0.004 });
  const bt = backtest({ T, N, score, ret }, st, { formation: [0, 1, 2, 3] });

  it('resolves lag 1 and shifts the trades and the holding days by one', () => {
    expect(st.lag).toBe(1);
    expect(Array.from(bt.rebalanceDay)).toEqual([1, 3]);
    expect(Array.from(bt.day)).toEqual([2, 3, 4, 5]);
    expect(Array.from(bt.holdings)).toEqual([2, 2]);
  });

  it('the trade at close 1 (from the scores of date 0) does not earn day 1', () => {
    // day 2: R = .5 x .10 + .5 x -.05 = .025; build cost .004 x 1 -> net = .996 x 1.025 - 1 = .0209
    expect(bt.cost[0]).toBeCloseTo(0.004, 15);
    expect(bt.ret[0]).toBeCloseTo(0.0209, 14);
    // day 3: weights drifted to .55/1.025, .475/1.025 -> R = (.55 x .02 + .475 x .04) / 1.025 = .03 / 1.025
    expect(bt.ret[1]).toBeCloseTo(0.03 / 1.025, 14);
  });

  it('the trade at close 3 (from the scores of date 2): sell 9, top up 8, buy 7', () => {
    // values before the trade: 9: .55 x 1.02 = .561, 8: .475 x 1.04 = .494, total 1.055
    // |dw|: 9 .561/1.055; 8 .5 - .494/1.055 = .0335/1.055; 7 .5 = .5275/1.055 -> sum 1.122/1.055
    expect(bt.turnover[1]).toBeCloseTo(0.561 / 1.055, 14);
    const c = 0.004 * (1.122 / 1.055);
    // day 4: R = .5 x .10 + .5 x -.10 = 0 -> net = -c; day 5: weights .55, .45 -> R = .45 x .20 = .09
    expect(bt.cost[2]).toBeCloseTo(c, 15);
    expect(bt.ret[2]).toBeCloseTo(-c, 15);
    expect(bt.ret[3]).toBeCloseTo(0.09, 14);
  });

  it('lag 0 on the same data trades at closes 0 and 2 and earns day 1', () => {
    const b0 = backtest({ T, N, score, ret }, resolveStrategy({ ...st, lag: 0 }), { formation: [0, 1, 2, 3] });
    expect(Array.from(b0.rebalanceDay)).toEqual([0, 2]);
    expect(Array.from(b0.day)).toEqual([1, 2, 3, 4]);
    // day 1: R = .5 x .5 + .5 x .5 = .5 -> net = .996 x 1.5 - 1 = .494
    expect(b0.ret[0]).toBeCloseTo(0.494, 14);
  });

  it('a top stock with no price on the execution day is not bought', () => {
    // 9 is top at formation 0 but has no price at close 1: the trade at close 1 picks from the 9 tradable stocks
    // (5 groups over 9: group floor(r x 5 / 9) = 4 for ranks r >= 8 -> only 8 is top) and buys 8 alone at 1
    const tradable = new Uint8Array(T * N).fill(1);
    tradable[1 * N + 9] = 0;
    const b = backtest({ T, N, score, ret, tradable }, st, { formation: [0, 1, 2, 3] });
    expect(b.holdings[0]).toBe(1);
    expect(b.gross[0]).toBeCloseTo(-0.05, 15); // day 2: all in 8
  });

  it('rejects a negative or fractional lag', () => {
    expect(() => resolveStrategy({ kind: 'topquantile', lag: -1 })).toThrow(/execution lag = -1/);
    expect(() => resolveStrategy({ kind: 'topquantile', lag: 0.5 })).toThrow(/whole number/);
  });
});

describe('delistings: a held stock with no price for the rest of the data is sold at its last price', () => {
  it('top quantile: the weight goes to cash on the first day without a price, the sell cost is charged', () => {
    // 10 stocks, 5 groups -> top {9, 8}, bought at close 1 (formation 0, lag 1), no later rebalance.
    // 9's last price is day 3 (tradable 0 and no return from day 4). 8 is suspended on day 3 only (price back on
    // day 4): a suspension, not a delisting, so 8 is kept.
    const T = 7,
      N = 10;
    const score = grid(T, N, (_t, n) => n);
    const RET: Record<number, Record<number, number>> = {
      2: { 9: 0.1, 8: 0.0 },
      3: { 9: 0.0, 8: NaN },
      4: { 9: NaN, 8: 0.05 },
      5: { 9: NaN, 8: 0.1 },
      6: { 9: NaN, 8: -0.1 },
    };
    const ret = grid(T, N, (t, n) => RET[t]?.[n] ?? 0.01 * n);
    const tradable = grid(T, N, (t, n) => ((n === 9 && t >= 4) || (n === 8 && t === 3) ? 0 : 1));
    const st = resolveStrategy({ kind: 'topquantile', groups: 5, cost: 0.004 });
    const formation = [0, 1, 2, 3, 4, 5];
    const bt = backtest({ T, N, score, ret, tradable }, st, { formation });
    expect(Array.from(bt.day)).toEqual([2, 3, 4, 5, 6]);
    // day 2: R = .5 x .10 = .05; net = .996 x 1.05 - 1 = .0458. Values (per 1 invested): 9 .55, 8 .5
    expect(bt.ret[0]).toBeCloseTo(0.0458, 14);
    // day 3: 9 earns 0, 8 has no price (earns 0): R = 0
    expect(bt.ret[1]).toBe(0);
    // day 4: 9 has no price and none later: it earns 0 (delisting return 0); 8 +5%: R = .5 x .05 / 1.05 = .025 / 1.05.
    // values 9 .55, 8 .525, total 1.075; at close 4, 9 (weight .55 / 1.075) is sold into cash
    expect(bt.ret[2]).toBeCloseTo(0.025 / 1.05, 14);
    expect(Array.from(bt.delisted.day)).toEqual([4]);
    expect(Array.from(bt.delisted.stock)).toEqual([9]);
    expect(bt.delisted.weight[0]).toBeCloseTo(0.55 / 1.075, 15);
    // day 5: sell cost c = .004 x .55 / 1.075 charged; gross = (.525 / 1.075) x .10 = .0525 / 1.075
    const c = (0.004 * 0.55) / 1.075;
    expect(bt.cost[3]).toBeCloseTo(c, 15);
    expect(bt.gross[3]).toBeCloseTo(0.0525 / 1.075, 15);
    expect(bt.ret[3]).toBeCloseTo((1 - c) * (1 + 0.0525 / 1.075) - 1, 15);
    // day 6: 8 is worth .5775, cash .55 (total 1.1275): R = .5775 x -.10 / 1.1275
    expect(bt.ret[4]).toBeCloseTo(-0.05775 / 1.1275, 14);
    expect(bt.finalWeights[9]).toBe(0);
    expect(bt.finalWeights[8]).toBeCloseTo((0.5775 * 0.9) / (1.1275 - 0.05775), 14);
    // without `tradable` the last price is the last finite return: the same delisting; 8's NaN on day 3 alone is not
    // one because 8 has returns later
    const noTr = backtest({ T, N, score, ret }, st, { formation });
    expect(Array.from(noTr.delisted.stock)).toEqual([9]);
    expect(Array.from(noTr.ret)).toEqual(Array.from(bt.ret));
  });

  it('TopK-Drop: the delisted holding frees its slot and its cash buys the next best stock', () => {
    // A, B, C, D = 0..3, k = 2, n = 1, open cost 0, close cost 0.1%, daily, lag 1. Scores A .9, B .8, C .7, D .6;
    // B has no price after day 2 and no score from date 2 on.
    const T = 6,
      N = 4;
    const score = grid(T, N, (t, n) => (n === 1 && t >= 2 ? NaN : [0.9, 0.8, 0.7, 0.6][n]));
    const RET: Record<number, number[]> = { 2: [0.02, 0.04, 0, 0], 3: [0.01, NaN, 0, 0], 4: [0, NaN, 0.1, 0], 5: [0, NaN, 0, 0] };
    const ret = grid(T, N, (t, n) => RET[t]?.[n] ?? 0);
    const tradable = grid(T, N, (t, n) => (n === 1 && t >= 3 ? 0 : 1));
    const st = resolveStrategy({ kind: 'topkdrop', k: 2, n: 1, openCost: 0, closeCost: 0.001 });
    const bt = backtest({ T, N, score, ret, tradable }, st, { formation: [0, 1, 2, 3, 4] });
    // formation 4 would trade at close 5, the last date: no day left to hold, so no rebalance
    expect(Array.from(bt.rebalanceDay)).toEqual([1, 2, 3, 4]);
    // close 1: buy A, B at .5. Day 2: R = .03, values A .51, B .52. Close 2: comb A, B, C -> bottom C not held: no trade
    expect(bt.ret[0]).toBeCloseTo(0.03, 15);
    expect(bt.turnover[1]).toBe(0);
    // day 3: B has no price (and none later) -> earns 0; R = .51 x .01 / 1.03. Values A .5151, B .52, total 1.0351.
    expect(bt.ret[1]).toBeCloseTo(0.0051 / 1.03, 15);
    // close 3: B (.52 / 1.0351) is sold into cash first; then last = [A], today = the best 2 of C, D;
    // comb A, C, D -> bottom D not held: sell none; buy the first 0 + 2 - 1 = 1 of today = C with all the cash
    expect(Array.from(bt.delisted.stock)).toEqual([1]);
    expect(Array.from(bt.delisted.day)).toEqual([3]);
    const wB = 0.52 / 1.0351;
    expect(bt.holdings[2]).toBe(2);
    expect(bt.turnover[2]).toBeCloseTo(wB / 2, 15); // the buy of C; the forced sale of B is not rebalance turnover
    // day 4: cost = .001 x wB (the sale of B; C bought at open cost 0); C +10%: R = wB x .10
    expect(bt.cost[2]).toBeCloseTo(0.001 * wB, 15);
    expect(bt.ret[2]).toBeCloseTo((1 - 0.001 * wB) * (1 + 0.1 * wB) - 1, 15);
    // (kept frozen, B would hold its slot: last = [A, B], B unscored ranks last and is 'sold' but untradable, and
    // the buy of C gets no cash). Held at the end: A and C only
    expect(bt.finalWeights[1]).toBe(0);
    expect(bt.finalWeights[3]).toBe(0);
    expect(bt.finalWeights[0] + bt.finalWeights[2]).toBeCloseTo(1, 15);
  });
});
