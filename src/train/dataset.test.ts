/**
 * dataset.ts wiring of the data layer: parquet bytes -> DuckDB -> validate -> factors -> Panel, and the bundled
 * lookup (manifest or naming convention). A small seeded prices file is written in memory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import { gzipSync } from 'node:zlib';
import { parquetToTable, tableToParquet } from '../data/parquet';
import { initParquetNode } from '../data/parquet-node';
import { makeRng } from '../core/rng';
import type { Panel } from '../core/panel';
import { industryAdjacency } from '../data/graphs';
import { defaultPreprocessing } from '../core/run';
import { listTables, loadPanel, summarizePanel } from './dataset';
import { nodeDataIO } from './node-io';
import { bundledFiles, readBundledWith } from './bundled';

const io = nodeDataIO('/nonexistent');
afterAll(() => io.close());

/** 160 weekdays x 8 tickers of random-walk prices (seeded) as parquet bytes; ticker T7 has a sector file entry missing */
async function pricesParquet(): Promise<{ prices: Uint8Array; sectors: Uint8Array }> {
  await initParquetNode();
  const rng = makeRng(9);
  const dates: string[] = [];
  for (let d = Date.UTC(2018, 0, 1); dates.length < 160; d += 86_400_000) {
    const wd = new Date(d).getUTCDay();
    if (wd !== 0 && wd !== 6) dates.push(new Date(d).toISOString().slice(0, 10));
  }
  const rows = {
    date: [] as Date[],
    ticker: [] as string[],
    open: [] as number[],
    high: [] as number[],
    low: [] as number[],
    close: [] as number[],
    adj_close: [] as number[],
    volume: [] as number[],
  };
  const px = Array.from({ length: 8 }, () => 50 + 50 * rng.uniform());
  for (const iso of dates) {
    for (let k = 0; k < 8; k++) {
      px[k] *= 1 + 0.02 * rng.normal();
      rows.date.push(new Date(iso + 'T00:00:00Z'));
      rows.ticker.push(`T${k}`);
      rows.open.push(px[k]);
      rows.high.push(px[k] * 1.01);
      rows.low.push(px[k] * 0.99);
      rows.close.push(px[k]);
      rows.adj_close.push(px[k]);
      rows.volume.push(Math.round(1e6 * (1 + rng.uniform())));
    }
  }
  const f64 = (a: number[]) => arrow.makeVector(Float64Array.from(a));
  const t = new arrow.Table({
    date: arrow.vectorFromArray(rows.date, new arrow.DateDay()),
    ticker: arrow.vectorFromArray(rows.ticker, new arrow.Utf8()),
    open: f64(rows.open),
    high: f64(rows.high),
    low: f64(rows.low),
    close: f64(rows.close),
    adj_close: f64(rows.adj_close),
    volume: f64(rows.volume),
  });
  // sub_industry given (as in the shared file): a sectors file without it currently trips a DuckDB type error in
  // data/schema.ts validateSectors (coalesce of NULL and VARCHAR), reported to the data layer
  const sector = ['Energy', 'Energy', 'Energy', 'Financials', 'Financials', 'Utilities', 'Utilities'];
  const s = arrow.tableFromArrays({ ticker: ['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6'], sector, sub_industry: sector });
  return { prices: tableToParquet(t), sectors: tableToParquet(s) };
}

/**
 * 2 dates x 6 stocks, industries A = 0, B = 1 (-1 unknown); universes 'all', 'top', 'small'.
 *   stock          S0 S1 S2 S3 S4 S5
 *   t0 industry     A  A  A  B  B  B    valid 1 1 1 1 1 0   top 1 1 0 1 0 0   small 0 0 1 0 1 1
 *   t1 industry     A  A  B  B  B  -1   valid 1 1 1 1 1 1   top 1 0 1 1 0 1   small 0 0 0 0 0 0
 */
function twoUniversePanel(): Panel {
  const T = 2,
    N = 6;
  const u8 = (a: number[]) => Uint8Array.from(a);
  return {
    dates: ['2020-01-31', '2020-02-28'],
    tickers: ['S0', 'S1', 'S2', 'S3', 'S4', 'S5'],
    factorNames: ['f0'],
    factorGroups: ['g'],
    x: new Float32Array(T * N),
    valid: u8([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]),
    industry: Int32Array.from([0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, -1]),
    industryNames: ['A', 'B'],
    horizons: [1],
    fwd: new Float32Array(T * N).fill(NaN),
    ret: new Float32Array(T * N),
    tradable: new Uint8Array(T * N).fill(1),
    universes: [
      { name: 'all', description: 'every stock', member: new Uint8Array(T * N).fill(1) },
      { name: 'top', description: 'big', member: u8([1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1]) },
      { name: 'small', description: 'small', member: u8([0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0]) },
    ],
    source: { name: 'two-universe', kind: 'synthetic' },
  };
}

describe('summarizePanel', () => {
  it('DMFM Fig. 3 per universe: same-industry edges per stock, nodes = members AND valid', () => {
    const p = twoUniversePanel();
    const s = summarizePanel(p, { warnings: [], notes: [], load_ms: 0 });
    expect(s.edgesPerStock.dates).toEqual(['2020-01-31', '2020-02-28']);
    expect(s.edgesPerStock.byUniverse.map((u) => u.name)).toEqual(['all', 'top', 'small']);
    const [all, top, small] = s.edgesPerStock.byUniverse.map((u) => Array.from(u.values));
    // all, t0: S5 invalid -> A {S0,S1,S2} c=3, B {S3,S4} c=2; edges 3*2 + 2*1 = 8 over 5 nodes = 1.6
    // all, t1: A {S0,S1} c=2, B {S2,S3,S4} c=3, S5 unknown (0 edges, still a node); 2*1 + 3*2 = 8 over 6 = 1.3333
    expect(all[0]).toBeCloseTo(8 / 5, 6);
    expect(all[1]).toBeCloseTo(8 / 6, 6);
    // top, t0: S0 A, S1 A, S3 B -> A c=2, B c=1; 2*1 + 1*0 = 2 over 3 = 0.6667
    // top, t1: S0 A, S2 B, S3 B, S5 unknown -> A c=1, B c=2; 0 + 2*1 = 2 over 4 = 0.5
    expect(top[0]).toBeCloseTo(2 / 3, 6);
    expect(top[1]).toBeCloseTo(0.5, 6);
    // small, t0: S2 A, S4 B (S5 is a member but invalid, so no node) -> 0 edges over 2 = 0; t1: no members -> NaN
    expect(small[0]).toBe(0);
    expect(small[1]).toBeNaN();
    // the every-valid-stock series is the 'all' entry
    expect(Array.from(s.edgesPerStock.values)).toEqual(all);
    // cross-check by brute force on the industry graph: mean over nodes of (row degree - self loop)
    p.universes.forEach((u, i) => {
      for (let t = 0; t < 2; t++) {
        const { index, mask } = industryAdjacency(p, t, u);
        const n = index.length;
        let deg = 0;
        for (let k = 0; k < n * n; k++) deg += mask[k];
        const want = n ? (deg - n) / n : NaN;
        if (n) expect(s.edgesPerStock.byUniverse[i].values[t]).toBeCloseTo(want, 6);
        else expect(s.edgesPerStock.byUniverse[i].values[t]).toBeNaN();
      }
    });
  });
});

describe('loadPanel', () => {
  it('turns a prices parquet (+ sectors) into a Panel with the factor library and a summary', async () => {
    const { prices, sectors } = await pricesParquet();
    const prep = { ...defaultPreprocessing, minHistory: 20 };
    const loaded = await loadPanel(io, { kind: 'file', name: 'tiny.parquet' }, prep, prices, sectors);
    const p = loaded.panel;
    expect(p.tickers).toEqual(['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7']);
    expect(p.dates[0] >= '2018-01-01').toBe(true);
    expect(p.factorNames.length).toBeGreaterThan(10);
    expect(p.horizons).toEqual([1, 3, 5, 10, 15, 20]);
    expect(p.industryNames).toEqual(expect.arrayContaining(['Energy', 'Financials', 'Utilities']));
    const T = p.dates.length,
      N = 8;
    // T7 has no sector: industry -1 on every date
    for (let t = 0; t < T; t++) expect(p.industry[t * N + 7]).toBe(-1);
    const s = summarizePanel(p, loaded, []);
    expect(s).toMatchObject({ N: 8, T, F: p.factorNames.length });
    // Fig. 3 on a date where all 8 are valid: industries 3 + 2 + 2 (+ T7 unknown) -> (3*2 + 2*1 + 2*1) / 8 = 1.25 edges per stock
    const full = Array.from({ length: T }, (_, t) => t).find((t) => Array.from(p.valid.subarray(t * N, (t + 1) * N)).every((v) => v === 1));
    expect(full).toBeDefined();
    expect(s.edgesPerStock.values[full!]).toBeCloseTo(1.25, 6);
    // one series per panel universe, in panel order; 'all' is the every-valid-stock series
    expect(s.edgesPerStock.byUniverse.map((u) => u.name)).toEqual(p.universes.map((u) => u.name));
    expect(Array.from(s.edgesPerStock.byUniverse[0].values)).toEqual(Array.from(s.edgesPerStock.values));
  });

  it('industry level: the same prices give 3 sectors by default, 6 groups by sub-industry (T5 falls back to its sector); raw tables dropped', async () => {
    const { prices } = await pricesParquet();
    // T0..T6: sectors Energy x3, Financials x2, Utilities x2; sub-industries Oil, Oil, Gas, Banks, Insurance, (none), Water;
    // T5 has no sub-industry and falls back to 'Utilities'; T7 has no row (unknown)
    const s = arrow.tableFromArrays({
      ticker: ['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6'],
      sector: ['Energy', 'Energy', 'Energy', 'Financials', 'Financials', 'Utilities', 'Utilities'],
      sub_industry: ['Oil', 'Oil', 'Gas', 'Banks', 'Insurance', null, 'Water'],
    });
    const sectors = tableToParquet(s);
    const prep = { ...defaultPreprocessing, minHistory: 20 };
    const bySector = await loadPanel(io, { kind: 'file', name: 'lvl.parquet' }, prep, prices, sectors);
    expect(bySector.panel.industryNames).toEqual(['Energy', 'Financials', 'Utilities']);
    const bySub = await loadPanel(io, { kind: 'file', name: 'lvl.parquet' }, { ...prep, industryLevel: 'sub_industry' }, prices, sectors);
    expect(bySub.panel.industryNames).toEqual(['Banks', 'Gas', 'Insurance', 'Oil', 'Utilities', 'Water']);
    // the last date's ids, stocks T0..T7 (industry ids index the sorted names; T7 unknown)
    const { panel: p } = bySub,
      N = 8,
      t = p.dates.length - 1;
    expect(Array.from(p.industry.subarray(t * N, (t + 1) * N))).toEqual([3, 3, 1, 0, 2, 4, 5, -1]);
    expect(Array.from(bySector.panel.industry.subarray(t * N, (t + 1) * N))).toEqual([0, 0, 0, 1, 1, 2, 2, -1]);
    // the raw tables are dropped once validated; the clean ones stay for the SQL console
    const names = listTables(await io.engine()).map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['prices', 'sectors']));
    expect(names.filter((n) => n.startsWith('raw_'))).toEqual([]);
    expect(bySub.steps && Object.keys(bySub.steps)).toEqual(expect.arrayContaining(['parquet', 'validate', 'factors', 'preprocess']));
  });

  it('the same prices and sectors as CSV (sectors gzip-compressed) give the same Panel as parquet, array for array', async () => {
    const { prices, sectors } = await pricesParquet();
    /** a parquet file as CSV text: ISO dates, numbers as JS prints them (they parse back to the same double) */
    const toCsv = (bytes: Uint8Array): string => {
      const t = parquetToTable(bytes);
      const names = t.schema.fields.map((f) => f.name);
      const cell = (v: unknown, isDate: boolean) => (v === null ? '' : isDate ? new Date(Number(v)).toISOString().slice(0, 10) : String(v));
      const lines = Array.from({ length: t.numRows }, (_, i) => names.map((n) => cell(t.getChild(n)!.get(i), n === 'date')).join(','));
      return [names.join(','), ...lines].join('\n') + '\n';
    };
    const csv = new TextEncoder().encode(toCsv(prices));
    const sectorsGz = gzipSync(new TextEncoder().encode(toCsv(sectors)));
    const prep = { ...defaultPreprocessing, horizons: [1, 5] };
    const a = await loadPanel(io, { kind: 'file', name: 'same' }, prep, prices, sectors);
    const b = await loadPanel(io, { kind: 'file', name: 'same' }, prep, csv, sectorsGz);
    const pa = a.panel as unknown as Record<string, unknown>,
      pb = b.panel as unknown as Record<string, unknown>;
    expect(Object.keys(pb).sort()).toEqual(Object.keys(pa).sort());
    expect(b.panel.dates.length).toBe(160);
    expect(b.panel.tickers).toEqual(['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6', 'T7']);
    expect(b.panel.industryNames).toEqual(['Energy', 'Financials', 'Utilities']);
    for (const k of Object.keys(pa)) {
      const x = pa[k],
        y = pb[k];
      if (ArrayBuffer.isView(x)) {
        const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        expect(bytes(y as ArrayBufferView).equals(bytes(x)), k).toBe(true); // bit for bit, NaN payloads included
      } else {
        expect(y, k).toEqual(x);
      }
    }
    expect(b.warnings).toEqual(a.warnings);
    expect(b.notes).toEqual(a.notes);
  });

  it('a sectors file alone is refused with a LabError saying what a dataset needs', async () => {
    const { sectors } = await pricesParquet();
    await expect(loadPanel(io, { kind: 'file', name: 'sectors.parquet' }, defaultPreprocessing, sectors)).rejects.toThrow(
      /this is a sectors file.*needs prices/,
    );
  });

  it('bundled datasets: manifest entry, naming convention, and a missing file', async () => {
    expect(bundledFiles('us', null)).toEqual({ name: 'us', prices: 'us.prices.parquet', sectors: 'us.sectors.parquet' });
    expect(bundledFiles('us', [{ name: 'us', prices: 'p.parquet' }])).toEqual({ name: 'us', prices: 'p.parquet' });
    expect(() => bundledFiles('eu', [{ name: 'us', prices: 'p.parquet' }])).toThrow(/"eu" is not in data\/manifest.json.*/);
    const files: Record<string, Uint8Array> = {
      'manifest.json': new TextEncoder().encode('[{"id":"us","file":"p.parquet","sectorsFile":"s.parquet"}]'),
      'p.parquet': new Uint8Array([1, 2]),
    };
    const b = await readBundledWith('us', async (rel) => files[rel] ?? null);
    expect(b).toEqual({ prices: new Uint8Array([1, 2]), sectors: undefined, fileName: 'p.parquet' });
    await expect(readBundledWith('x', async () => null)).rejects.toThrow(/file data\/x.prices.parquet was not found/);
  });
});
