import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import { dayToIso, isoToDay } from '../core/dates';
import { createNodeEngine } from './sql-engine-node';
import { initParquetNode } from './parquet-node';
import { loadParquet, tableToParquet } from './parquet';
import { validatePrices, validateSectors } from './schema';
import {
  computeFactorFrame,
  computeFactorPanel,
  computeFactorPanelParallel,
  setPassBlockCells,
  factorCatalog,
  FACTOR_DEFS,
  selectFactors,
  setFactorPassEngine,
  setPanelStageRows,
} from './factors';
import { buildPanel } from './panel';
import { nodeCrossSectionPool } from './cross-section-pool-node';
import { createCrossSectionPool, runCrossSectionJob, type CrossSectionReply, type HelperPort } from './cross-section-pool';
import { makeTable } from './test-fixtures';
import type { Panel } from '../core/panel';
import type { PreprocessConfig } from '../core/run';
import { referenceFactors, type RefPriceRow } from './factors-reference';
import { priceFixture, pricesTable, weekdays } from './test-fixtures';
import type { FactorFrame } from './frame';
import type { SqlEngine } from './sql-engine';

const H = [1, 3, 5, 10, 15, 20];
let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
  await initParquetNode();
});
afterAll(() => engine.close());

/** fixture rows -> parquet -> DuckDB -> validated table `name` (in the file's (date, ticker) order, or (ticker, date)) */
async function loadPrices(name: string, rows: RefPriceRow[], order: 'file' | 'ticker' = 'file'): Promise<void> {
  await loadParquet(engine, `${name}_raw`, tableToParquet(pricesTable(rows)));
  validatePrices(engine, `${name}_raw`, { file: `${name}.parquet`, out: name, order });
}

/** every typed array of two frames / panels holds the same bytes (NaN payloads included), names equal */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
    y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
function panelDiffs(p: Panel, q: Panel): string[] {
  const out: string[] = [];
  for (const k of ['dates', 'tickers', 'factorNames', 'factorGroups', 'industryNames', 'horizons'] as const)
    if (JSON.stringify(p[k]) !== JSON.stringify(q[k])) out.push(k);
  for (const k of ['x', 'valid', 'industry', 'fwd', 'ret', 'tradable'] as const) if (!sameBytes(p[k], q[k])) out.push(k);
  if (p.universes.length !== q.universes.length) out.push('universes');
  p.universes.forEach((u, i) => {
    if (u.name !== q.universes[i]?.name || !sameBytes(u.member, q.universes[i].member)) out.push(`universe ${u.name}`);
  });
  if (JSON.stringify(p.source) !== JSON.stringify(q.source)) out.push('source');
  return out;
}

/** a frame's columns: date, ticker, industry, age, ret, dv, every factor, every label */
const frameCols = (f: FactorFrame): ArrayBufferView[] => [
  f.date,
  f.ticker,
  f.industry,
  f.age,
  f.ret,
  f.dollarVolume,
  ...f.factors.map((c) => c.values),
  ...f.fwd.map((c) => c.values),
];
const sameFrames = (a: FactorFrame, b: FactorFrame): boolean => {
  const x = frameCols(a),
    y = frameCols(b);
  return x.length === y.length && x.every((c, i) => sameBytes(c, y[i]));
};

const rowIndex = (f: FactorFrame) => {
  const m = new Map<string, number>();
  for (let r = 0; r < f.nRows; r++) m.set(`${f.date[r]}|${f.tickers[f.ticker[r]]}`, r);
  return m;
};
const col = (f: FactorFrame, name: string): Float32Array => {
  const c = f.factors.find((x) => x.name === name) ?? null;
  if (c) return c.values;
  const h = f.fwd.find((x) => `fwd_${x.horizon}` === name);
  if (h) return h.values;
  if (name === 'ret') return f.ret;
  if (name === 'dv') return f.dollarVolume;
  throw new Error(`no column ${name}`);
};

describe('factor library catalog', () => {
  it('has >= 30 uniquely named factors in the 7 groups, each with a one-line description', () => {
    const cat = factorCatalog();
    expect(cat.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cat.map((c) => c.name)).size).toBe(cat.length);
    expect([...new Set(cat.map((c) => c.group))].sort()).toEqual([
      'candle',
      'liquidity',
      'momentum',
      'reversal',
      'size',
      'trend',
      'volatility',
    ]);
    for (const c of cat) {
      expect(c.description.length).toBeGreaterThan(5);
      expect(c.description).not.toContain('\n');
    }
  });
  it('selects by group or name and rejects unknown names', () => {
    expect(selectFactors(['momentum']).map((f) => f.name)).toEqual(['mom_20', 'mom_60', 'mom_120', 'mom_6_1', 'mom_12_1']);
    expect(selectFactors(['rev_1', 'candle']).length).toBe(11);
    expect(() => selectFactors(['value'])).toThrow(LabError);
  });
});

describe('computeFactorFrame vs the plain TypeScript reference', () => {
  // 5 tickers x 300 weekdays (one listing late, one with a 5-day gap, a doji, a zero-volume day)
  const rows = priceFixture(300, 7);
  let f: FactorFrame;
  beforeAll(async () => {
    await loadPrices('fx', rows);
    f = computeFactorFrame(engine, { prices: 'fx', minStocks: 1 });
  });

  it('keeps every row, sorted by (date, ticker)', () => {
    expect(f.nRows).toBe(rows.length);
    expect(f.tickers).toEqual(['AAA', 'BBB', 'CCC', 'DDD', 'EEE']);
    for (let r = 1; r < f.nRows; r++) {
      expect(f.date[r] > f.date[r - 1] || (f.date[r] === f.date[r - 1] && f.ticker[r] > f.ticker[r - 1])).toBe(true);
    }
    expect(f.factors.length).toBe(FACTOR_DEFS.length);
  });

  it('every SQL factor, forward return, ret and dollar volume equals the reference within 1e-5 relative', () => {
    const ref = referenceFactors(rows, H);
    const idx = rowIndex(f);
    const names = [...FACTOR_DEFS.map((d) => d.name), ...H.map((k) => `fwd_${k}`), 'ret', 'dv'];
    const report: string[] = [];
    for (const name of names) {
      const got = col(f, name);
      let compared = 0,
        nanMismatch = 0,
        worst = 0;
      for (const [key, r] of idx) {
        const want = ref.rows.get(key)![name];
        if (Number.isNaN(want) !== Number.isNaN(got[r])) {
          nanMismatch++;
          continue;
        }
        if (Number.isNaN(want)) continue;
        compared++;
        // relative error; 1e-7 floor = float32 resolution for values near 0
        worst = Math.max(worst, Math.abs(got[r] - want) / Math.max(Math.abs(want), 1e-7));
      }
      // a window factor still has values on >= 190 rows (mom_12_1 needs 252 rows of history: 300 - 252 = 48 per full ticker)
      if (nanMismatch > 0 || worst > 1e-5 || compared < 190)
        report.push(`${name}: compared ${compared}, NaN mismatches ${nanMismatch}, worst rel ${worst.toExponential(2)}`);
    }
    expect(report).toEqual([]);
  });

  it('matches the reference for the stock with a gap (over its own trading days) and the late listing', () => {
    const ref = referenceFactors(rows, H);
    const idx = rowIndex(f);
    // EEE's first row after its gap: its previous row is 6 weekdays earlier, mom_20 spans 20 of ITS rows
    const eee = rows.filter((r) => r.ticker === 'EEE');
    const afterGap = eee[100];
    const r = idx.get(`${afterGap.day}|EEE`)!;
    expect(col(f, 'mom_20')[r]).toBeCloseTo(eee[100].adj / eee[80].adj - 1, 5);
    expect(col(f, 'ret')[r]).toBeCloseTo(eee[100].adj / eee[99].adj - 1, 6);
    expect(f.age[r]).toBe(100);
    // DDD lists on weekday 40: age 0 there, no return, no 20-day factor until its 20th row
    const ddd0 = rows.find((x) => x.ticker === 'DDD')!;
    const r0 = idx.get(`${ddd0.day}|DDD`)!;
    expect(f.age[r0]).toBe(0);
    expect(col(f, 'ret')[r0]).toBeNaN();
    expect(col(f, 'vol_20')[r0]).toBeNaN();
    expect(ref.rows.get(`${ddd0.day}|DDD`)!.age).toBe(0);
  });
});

describe('the factor pass in either storage order, and straight into a panel', () => {
  const rows = priceFixture(300, 7);
  beforeAll(async () => {
    await loadPrices('fx_d', rows); // (date, ticker): computeFactorFrame sorts a copy
    await loadPrices('fx_t', rows, 'ticker'); // (ticker, date): streamed as it is
    // sectors: 2 sectors, 3 sub-industries (EEE has none: it falls back to its sector)
    await loadParquet(
      engine,
      'fx_sect_raw',
      tableToParquet(
        makeTable({
          ticker: { kind: 'utf8', values: ['AAA', 'BBB', 'CCC', 'DDD', 'EEE'] },
          sector: { kind: 'utf8', values: ['Tech', 'Tech', 'Energy', 'Energy', 'Energy'] },
          sub_industry: { kind: 'utf8', values: ['Software', 'Chips', 'Oil', 'Oil', null] },
        }),
      ),
    );
    validateSectors(engine, 'fx_sect_raw', { file: 'sectors.parquet', out: 'fx_sect' });
  });

  it('a (ticker, date)-sorted table gives the same frame, byte for byte, as a (date, ticker) one', () => {
    const a = computeFactorFrame(engine, { prices: 'fx_d', sectors: 'fx_sect', minStocks: 1 });
    const b = computeFactorFrame(engine, { prices: 'fx_t', sectors: 'fx_sect', minStocks: 1 });
    expect(b.nRows).toBe(rows.length);
    expect(sameFrames(a, b)).toBe(true);
    expect([a.tickers, a.industries]).toEqual([b.tickers, b.industries]);
  });

  it("rowOrder 'date': a (date, ticker) table regrouped by ticker in memory gives the sorted table's frame and panels", async () => {
    const prep: PreprocessConfig = { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: true, minHistory: 20 };
    const cols = frameCols;
    const beta = ['beta_60', 'idvol_60'];
    for (const opts of [{ minStocks: 1 }, { minStocks: 5, start: '2015-06-01', end: '2015-12-31' }]) {
      const o = { sectors: 'fx_sect', name: 'fx', ...opts };
      const want = computeFactorFrame(engine, { ...o, prices: 'fx_t' });
      const got = computeFactorFrame(engine, { ...o, prices: 'fx_d', rowOrder: 'date' });
      // every column byte for byte but the two that read the market return: this path averages ln(adj / previous adj)
      // in JS (Math.log), the other in DuckDB (ln), in the same order; they may differ in the last bit
      const names = [
        'date',
        'ticker',
        'industry',
        'age',
        'ret',
        'dv',
        ...want.factors.map((c) => c.name),
        ...want.fwd.map((c) => `fwd_${c.horizon}`),
      ];
      const differs = names.filter((_, i) => !sameBytes(cols(got)[i], cols(want)[i]));
      expect(
        differs.filter((n) => !beta.includes(n)),
        JSON.stringify(opts),
      ).toEqual([]);
      for (const n of beta) {
        const a = col(got, n),
          b = col(want, n);
        for (let r = 0; r < a.length; r++) {
          if (Number.isNaN(b[r])) expect(a[r]).toBeNaN();
          else expect(Math.abs(a[r] - b[r])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(b[r])));
        }
      }
      expect([got.tickers, got.industries]).toEqual([want.tickers, want.industries]);
      // the panels: one thread, and helpers (small blocks, so several go to the helper)
      const wantP = computeFactorPanel(engine, { ...o, prices: 'fx_t' }, prep);
      const gotP = computeFactorPanel(engine, { ...o, prices: 'fx_d', rowOrder: 'date' }, prep);
      expect(panelDiffs(gotP, wantP).filter((k) => k !== 'x')).toEqual([]);
      const pool = nodeCrossSectionPool(1);
      const prevCells = setPassBlockCells(300);
      try {
        const par = await computeFactorPanelParallel(engine, { ...o, prices: 'fx_d', rowOrder: 'date' }, prep, { pool });
        expect(panelDiffs(par, gotP)).toEqual([]); // the same regrouped rows on either path, byte for byte
      } finally {
        setPassBlockCells(prevCells);
        pool.close();
      }
      // x: equal but for the beta factors' columns (z-scored per date with the industry means, so within 1e-5)
      const F = gotP.factorNames.length;
      const bi = beta.map((n) => gotP.factorNames.indexOf(n));
      for (let i = 0; i < gotP.x.length; i++) {
        if (bi.includes(i % F)) expect(Math.abs(gotP.x[i] - wantP.x[i])).toBeLessThanOrEqual(1e-5);
        else if (!Object.is(gotP.x[i], wantP.x[i])) expect.fail(`x[${i}] (${gotP.factorNames[i % F]}) ${gotP.x[i]} vs ${wantP.x[i]}`);
      }
    }
  });

  it("rowOrder 'date' on a table not in date order (a wrong hint), or with the SQL pass, reads a sorted copy: the same frame", () => {
    const want = computeFactorFrame(engine, { prices: 'fx_t', sectors: 'fx_sect', minStocks: 1 });
    expect(sameFrames(computeFactorFrame(engine, { prices: 'fx_t', sectors: 'fx_sect', minStocks: 1, rowOrder: 'date' }), want)).toBe(true);
    setFactorPassEngine('sql');
    try {
      const sqlWant = computeFactorFrame(engine, { prices: 'fx_t', sectors: 'fx_sect', minStocks: 1 });
      const got = computeFactorFrame(engine, { prices: 'fx_d', sectors: 'fx_sect', minStocks: 1, rowOrder: 'date' });
      expect(sameFrames(got, sqlWant)).toBe(true);
    } finally {
      setFactorPassEngine('js');
    }
  });

  it('industry level: 2 sectors by default, 4 sub-industries (EEE falls back to its sector) when asked', () => {
    const sec = computeFactorFrame(engine, { prices: 'fx_t', sectors: 'fx_sect', minStocks: 1 });
    expect(sec.industries).toEqual(['Energy', 'Tech']);
    const sub = computeFactorFrame(engine, { prices: 'fx_t', sectors: 'fx_sect', minStocks: 1, industryLevel: 'sub_industry' });
    expect(sub.industries).toEqual(['Chips', 'Energy', 'Oil', 'Software']);
    // rows of the first full date (DDD lists on day 40): AAA..EEE in order
    const r0 = Array.from(sub.date).indexOf(weekdays('2015-01-01', 41)[40]);
    expect(Array.from(sub.industry.subarray(r0, r0 + 5))).toEqual([3, 0, 2, 2, 1]);
    expect(Array.from(sec.industry.subarray(r0, r0 + 5))).toEqual([1, 1, 0, 0, 0]);
  });

  it('computeFactorPanel equals buildPanel(computeFactorFrame) exactly, for each preprocessing, range and industry level', () => {
    const preps: PreprocessConfig[] = [
      { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false, minHistory: 60 },
      { madK: 3, normalize: 'rank', missing: 'fill', industryNeutral: true, minHistory: 20, industryLevel: 'sub_industry' },
      { madK: 0, normalize: 'none', missing: 'mask', industryNeutral: false, minHistory: 0 },
    ];
    for (const prep of preps) {
      for (const opts of [{ minStocks: 1 }, { minStocks: 5, start: '2015-06-01', end: '2015-12-31' }]) {
        const o = { prices: 'fx_t', sectors: 'fx_sect', industryLevel: prep.industryLevel, ...opts };
        const want = buildPanel(computeFactorFrame(engine, o), prep);
        const got = computeFactorPanel(engine, o, prep);
        expect(panelDiffs(got, want), `${JSON.stringify(prep)} ${JSON.stringify(opts)}`).toEqual([]);
        expect(got.dates.length).toBeGreaterThan(100);
      }
    }
  });

  it('computeFactorPanelParallel on 1 and 3 helper threads (worker_threads) equals computeFactorPanel exactly', async () => {
    const preps: PreprocessConfig[] = [
      { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false, minHistory: 60 },
      { madK: 3, normalize: 'rank', missing: 'fill', industryNeutral: true, minHistory: 20, industryLevel: 'sub_industry' },
    ];
    for (const helpers of [1, 3]) {
      const real = nodeCrossSectionPool(helpers);
      // the factor blocks the helpers were given (the pool as it is, counting them)
      const blockRows: number[] = [];
      const pool = new Proxy(real, {
        get: (t, k) =>
          k === 'pass'
            ? (b: Parameters<typeof real.pass>[0]) => {
                blockRows.push(b.rows);
                return t.pass(b);
              }
            : Reflect.get(t, k),
      });
      try {
        expect(pool.size).toBe(helpers);
        // the factor pass in blocks of whole stocks: 300 cells (one stock of ~300 dates a block: blocks go to the
        // helpers while this thread reads the stream, and it computes the last ones itself), and the app's size (one
        // block), and 700 (two stocks a block); a block is its stocks' corner of the panel (cells without a row stay 0 / NaN)
        for (const cells of [300, 700, 65536]) {
          const prevCells = setPassBlockCells(cells);
          try {
            for (const prep of preps) {
              const o = { prices: 'fx_t', sectors: 'fx_sect', industryLevel: prep.industryLevel, minStocks: 1 };
              const want = computeFactorPanel(engine, o, prep);
              // small sizes: this small panel (~300 dates x 8 stocks x 44 factors) is split into chunks of 9 dates for
              // the helpers and steps of 2 dates here (the app keeps panels under 1M values on one thread)
              const parallel = { minValues: 0, chunkValues: 9 * 8 * 44, stepValues: 2 * 8 * 44 };
              blockRows.length = 0;
              const got = await computeFactorPanelParallel(engine, o, prep, { pool, parallel });
              expect(panelDiffs(got, want), `${helpers} helpers, blocks of ${cells} cells ${JSON.stringify(prep)}`).toEqual([]);
              expect(got.source.notes).toEqual(want.source.notes);
              // the helpers computed part of the stocks: with 300-cell blocks, some but not all of the ~2,400 rows
              const sent = blockRows.reduce((a, b) => a + b, 0);
              if (cells === 300) expect(blockRows.length >= 1 && sent < got.dates.length * 8).toBe(true);
              else if (cells === 65536) expect(blockRows.length).toBe(1); // the one block went to a helper (this thread had nothing left)
            }
          } finally {
            setPassBlockCells(prevCells);
          }
        }
        expect(pool.healthy).toBe(true);
      } finally {
        real.close();
      }
    }
  });

  it('a helper that fails factor blocks (an error, or a wrong answer) loses none: this thread computes them, same panel', async () => {
    const prep: PreprocessConfig = { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false, minHistory: 20 };
    const o = { prices: 'fx_t', sectors: 'fx_sect', minStocks: 1 };
    const want = computeFactorPanel(engine, o, prep);
    for (const fault of ['error', 'short'] as const) {
      // an in-process helper: factor blocks fail (an error reply, or a block that comes back with fewer rows than
      // sent); other jobs run as a real helper runs them
      let blocks = 0;
      const pool = createCrossSectionPool((): HelperPort => {
        let onReply: (r: CrossSectionReply) => void = () => {};
        return {
          post: (job) => {
            if ('pass' in job) {
              blocks++;
              const reply: CrossSectionReply =
                fault === 'error'
                  ? { id: job.id, ok: false, error: 'helper broke' }
                  : { id: job.id, ok: true, pass: { ...job.pass, rows: 1 } };
              queueMicrotask(() => onReply(reply));
            } else if (!('parquet' in job)) queueMicrotask(() => onReply(runCrossSectionJob(job).reply));
          },
          listen: (r) => {
            onReply = r;
          },
          terminate: () => {},
        };
      }, 1);
      const prev = setPassBlockCells(300);
      try {
        const got = await computeFactorPanelParallel(engine, o, prep, { pool });
        expect(blocks, fault).toBeGreaterThan(0);
        expect(panelDiffs(got, want), fault).toEqual([]);
        // an error reply retires the pool (as for the preprocessing); a short block is only redone here
        expect(pool.healthy).toBe(fault !== 'error');
      } finally {
        setPassBlockCells(prev);
        pool.close();
      }
    }
  });

  it("a spare buffer (a helper's reservation) holds x and fwd when it fits, and the panel is the same", async () => {
    const prep: PreprocessConfig = { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false, minHistory: 20 };
    const o = { prices: 'fx_t', sectors: 'fx_sect', minStocks: 1 };
    const want = computeFactorPanel(engine, o, prep);
    const [T, N, F, H] = [want.dates.length, want.tickers.length, want.factorNames.length, want.horizons.length];
    const need = (T * N * F + H * T * N) * 4;
    const pool = nodeCrossSectionPool(1);
    try {
      // a real worker_thread maps it and transfers it: the bytes asked, all zero
      const spare = await pool.reserve(need + 4096);
      expect(spare?.byteLength).toBe(need + 4096);
      expect(new Uint8Array(spare!).every((b) => b === 0)).toBe(true);
      const got = await computeFactorPanelParallel(engine, o, prep, { spare: Promise.resolve(spare) });
      expect(panelDiffs(got, want)).toEqual([]);
      expect(got.x.buffer).toBe(spare);
      expect(got.fwd.buffer).toBe(spare);
      expect([got.x.byteOffset, got.fwd.byteOffset, got.fwd.length]).toEqual([0, T * N * F * 4, H * T * N]);
      // too small, or far too large (it would stay alive with the panel): new arrays instead
      // (at most a quarter more than needed plus 1 MB is used: 1.25 need + 1 MB + 4 bytes is not)
      for (const bytes of [need - 4, 4 * Math.ceil((need * 1.25 + 2 ** 20) / 4) + 4]) {
        const other = new ArrayBuffer(bytes);
        const p = await computeFactorPanelParallel(engine, o, prep, { spare: Promise.resolve(other) });
        expect(p.x.buffer === other || p.fwd.buffer === other, `${bytes} bytes`).toBe(false);
        expect(panelDiffs(p, want)).toEqual([]);
      }
    } finally {
      pool.close();
    }
  });

  it('the date-major panel writer gives the same panel with a tiny staging buffer (stocks split over many flushes), on both passes', () => {
    const prep: PreprocessConfig = { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false, minHistory: 20 };
    const o = { prices: 'fx_t', sectors: 'fx_sect', minStocks: 1 };
    // 37 rows per flush: every stock's ~300 rows span 9+ flushes, a flush holds the end of one stock and the start
    // of the next (a run of increasing targets breaks there); 1 row: every row is its own flush
    for (const rows of [37, 1]) {
      for (const pass of ['js', 'sql'] as const) {
        const prev = setPanelStageRows(rows);
        try {
          setFactorPassEngine(pass);
          const want = buildPanel(computeFactorFrame(engine, o), prep); // the frame path writes no panel: no staging
          expect(panelDiffs(computeFactorPanel(engine, o, prep), want), `${rows} rows, ${pass} pass`).toEqual([]);
        } finally {
          setPanelStageRows(prev);
          setFactorPassEngine('js');
        }
      }
    }
  });
});

describe('forward returns and no look-ahead', () => {
  // 5 tickers, 30 weekdays; ticker k's price on weekday t is (10 + t) * (1 + k), so returns are the same for all
  const days = weekdays('2022-01-03', 30);
  const linear: RefPriceRow[] = days.flatMap((d, t) =>
    [0, 1, 2, 3, 4].map((k) => {
      const p = (10 + t) * (1 + k);
      return { day: d, ticker: `S${k}`, open: p, high: p * 1.01, low: p * 0.99, close: p, adj: p, volume: 100 };
    }),
  );
  let f: FactorFrame;
  beforeAll(async () => {
    await loadPrices('lin', linear);
    f = computeFactorFrame(engine, { prices: 'lin' });
  });

  it('fwd_k(t) = P[t+1+k] / P[t+1] - 1, from the next day on (worked numbers)', () => {
    const at = (t: number, k = 0) => t * 5 + k; // rows: 5 tickers per date, in ticker order
    // t = 0: P = 10, next day 11. fwd_1 = P[2]/P[1] - 1 = 12/11 - 1 = 0.090909; fwd_3 = 14/11 - 1 = 0.272727; fwd_5 = 16/11 - 1
    expect(col(f, 'fwd_1')[at(0)]).toBeCloseTo(12 / 11 - 1, 6);
    expect(col(f, 'fwd_3')[at(0, 3)]).toBeCloseTo(14 / 11 - 1, 6);
    expect(col(f, 'fwd_5')[at(0, 4)]).toBeCloseTo(16 / 11 - 1, 6);
    // t = 10: P = 20; fwd_20 = P[31]/P[11] - 1 needs day 31: there are 30 days (0..29), so NaN
    expect(col(f, 'fwd_20')[at(10)]).toBeNaN();
    // t = 8: fwd_20 = P[29]/P[9] = 39/19 - 1 (the last day exists)
    expect(col(f, 'fwd_20')[at(8)]).toBeCloseTo(39 / 19 - 1, 6);
    // t = 27: fwd_1 = P[29]/P[28] - 1 = 39/38 - 1; t = 28: needs P[30]: NaN; t = 29: NaN
    expect(col(f, 'fwd_1')[at(27)]).toBeCloseTo(39 / 38 - 1, 6);
    expect(col(f, 'fwd_1')[at(28)]).toBeNaN();
    expect(col(f, 'fwd_1')[at(29)]).toBeNaN();
    // ret(t) = P[t]/P[t-1] - 1: ret(1) = 11/10 - 1 = 0.1; ret(0) unknown
    expect(col(f, 'ret')[at(1)]).toBeCloseTo(0.1, 6);
    expect(col(f, 'ret')[at(0)]).toBeNaN();
    // mom_20 at t = 20: 30/10 - 1 = 2; ma_5 at t = 4: mean(10..14) / 14 = 12/14; dv = close * volume = 10 * 100 (S0, t 0)
    expect(col(f, 'mom_20')[at(20)]).toBeCloseTo(2, 6);
    expect(col(f, 'mom_20')[at(19)]).toBeNaN();
    expect(col(f, 'ma_5')[at(4)]).toBeCloseTo(12 / 14, 6);
    expect(col(f, 'dv')[at(0)]).toBe(1000);
    expect(f.age[at(29)]).toBe(29);
  });

  it('changing prices after day D leaves every factor and ret at or before D unchanged; labels at D see the change', async () => {
    const D = days[15];
    const bumped = linear.map((r) =>
      r.day > D ? { ...r, open: r.open * 3, high: r.high * 3, low: r.low * 3, close: r.close * 3, adj: r.adj * 3 } : r,
    );
    await loadPrices('lin_bumped', bumped);
    const g = computeFactorFrame(engine, { prices: 'lin_bumped' });
    let same = 0;
    for (let r = 0; r < f.nRows && f.date[r] <= D; r++) {
      for (const c of f.factors) {
        expect(Object.is(g.factors.find((x) => x.name === c.name)!.values[r], c.values[r])).toBe(true);
        same++;
      }
      expect(Object.is(g.ret[r], f.ret[r])).toBe(true);
    }
    expect(same).toBe(16 * 5 * FACTOR_DEFS.length); // 16 dates (0..15) x 5 stocks x every factor
    // fwd_1 at D (t = 15) = P[17]/P[16] - 1 = 27/26 - 1 both ways (both after D, the x3 cancels) ...
    const rD = 15 * 5;
    expect(g.fwd[0].values[rD]).toBeCloseTo(27 / 26 - 1, 6);
    // ... but fwd_1 at t = 14 = P[16]/P[15] - 1 straddles D: 3 * 26 / 25 - 1 instead of 26/25 - 1
    expect(g.fwd[0].values[14 * 5]).toBeCloseTo((3 * 26) / 25 - 1, 5);
    expect(f.fwd[0].values[14 * 5]).toBeCloseTo(26 / 25 - 1, 6);
  });

  it('end: prices after `end` are never read; start: earlier history still feeds the windows', () => {
    const end = dayToIso(days[20]);
    const g = computeFactorFrame(engine, { prices: 'lin_bumped', end });
    // with end = day 20 the x3 after day 15 is seen only up to day 20; fwd at day 20 needs day 21+: NaN
    expect(dayToIso(g.date[g.nRows - 1])).toBe(end);
    expect(g.fwd[0].values[g.nRows - 1]).toBeNaN();
    expect(g.fwd[0].values[18 * 5]).toBeCloseTo((3 * 30) / (3 * 29) - 1, 6); // fwd_1(18) = P[20]/P[19] - 1 = 30/29 - 1
    const start = dayToIso(days[25]);
    const h = computeFactorFrame(engine, { prices: 'lin', start });
    expect(h.nRows).toBe(5 * 5); // days 25..29
    expect(dayToIso(h.date[0])).toBe(start);
    // mom_20 at day 25 uses day 5 (before start): 35/15 - 1
    expect(h.factors.find((c) => c.name === 'mom_20')!.values[0]).toBeCloseTo(35 / 15 - 1, 6);
    expect(h.age[0]).toBe(25);
    expect(() => computeFactorFrame(engine, { prices: 'lin', start: '2030-01-01' })).toThrow(LabError);
    expect(() => computeFactorFrame(engine, { prices: 'lin', end: '2022-13-01' })).toThrow(/is not a date/);
    expect(isoToDay(start)).toBe(days[25]);
  });
});

describe('the typed-array factor pass (factors-js.ts) vs the DuckDB SQL pass (factors-sql.ts)', () => {
  it('gives the same frame (every factor, label, ret, dv; NaN where the SQL has NULL) with missing high / low / close / volume', async () => {
    await loadPrices('fxn', priceFixture(300, 11), 'ticker');
    // missing inputs on scattered rows: every NULL rule of the pass (max2n / min2n skip, sums and ratios go missing)
    engine.run(`UPDATE fxn SET high = NULL WHERE (epoch(date)::BIGINT / 86400) % 17 = 3 AND ticker = 'AAA'`);
    engine.run(`UPDATE fxn SET low = NULL WHERE (epoch(date)::BIGINT / 86400) % 13 = 5 AND ticker IN ('BBB', 'CCC')`);
    engine.run(`UPDATE fxn SET volume = NULL WHERE (epoch(date)::BIGINT / 86400) % 29 = 7`);
    engine.run(`UPDATE fxn SET close = NULL, open = NULL WHERE (epoch(date)::BIGINT / 86400) % 31 = 2 AND ticker = 'DDD'`);
    const nulls = engine.query(
      `SELECT count(*) FILTER (WHERE high IS NULL OR low IS NULL OR volume IS NULL OR close IS NULL)::INTEGER AS n FROM fxn`,
    );
    expect(Number(nulls.getChild('n')!.get(0))).toBeGreaterThan(50);
    try {
      setFactorPassEngine('sql');
      const a = computeFactorFrame(engine, { prices: 'fxn', minStocks: 1 });
      setFactorPassEngine('js');
      const b = computeFactorFrame(engine, { prices: 'fxn', minStocks: 1 });
      expect(b.nRows).toBe(a.nRows);
      expect(sameBytes(b.date, a.date) && sameBytes(b.ticker, a.ticker) && sameBytes(b.age, a.age)).toBe(true);
      const names = [...FACTOR_DEFS.map((d) => d.name), ...H.map((k) => `fwd_${k}`), 'ret', 'dv'];
      const report: string[] = [];
      let values = 0;
      for (const name of names) {
        const x = col(a, name),
          y = col(b, name);
        let nanMismatch = 0,
          worst = 0;
        for (let r = 0; r < a.nRows; r++) {
          if (Number.isNaN(x[r]) !== Number.isNaN(y[r])) nanMismatch++;
          else if (!Number.isNaN(x[r])) {
            values++;
            // same operations in the same order: float32-equal, but ln / sqrt / pow may differ in the last bit of a double
            worst = Math.max(worst, Math.abs(x[r] - y[r]) / Math.max(Math.abs(x[r]), 1e-7));
          }
        }
        if (nanMismatch > 0 || worst > 1e-6) report.push(`${name}: NaN mismatches ${nanMismatch}, worst rel ${worst.toExponential(2)}`);
      }
      expect(report).toEqual([]);
      expect(values).toBeGreaterThan(50 * 1000); // 50 columns x ~1,300 rows, most of them defined
    } finally {
      setFactorPassEngine('js');
    }
  });
});
