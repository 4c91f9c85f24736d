/**
 * Issue 16, "data the lab should doubt": an unadjusted -99.9% split day, loaded through the real path (parquet bytes ->
 * DuckDB -> validatePrices -> factor pass -> Panel) under each PreprocessConfig.extremeReturns mode, with the
 * equal-weighted benchmark (eval) and a 5-day label read before and after.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import { tableToParquet } from '../data/parquet';
import { initParquetNode } from '../data/parquet-node';
import { defaultPreprocessing, type PreprocessConfig } from '../core/run';
import { equalWeightBenchmark } from '../eval/evaluate';
import { loadPanel } from './dataset';
import { nodeDataIO } from './node-io';
import { loadParquet } from '../data/parquet';
import { validateInput } from '../data/schema';

const io = nodeDataIO('/nonexistent');
afterAll(() => io.close());

const DAYS = 30;
/** day 10 (2020-01-20): AAA's unadjusted 1000:1 "split" (100 -> 0.1, -99.9%), +1% on day 11 (0.101), flat after */
const SPLIT = 10;
const aaa = (d: number) => (d < SPLIT ? 100 : d === SPLIT ? 0.1 : 0.101);
/** BBB +2% on day 10 (50 -> 51) and flat otherwise; CCC, DDD, EEE, FFF flat at 50 (6 stocks: a date needs 5) */
const bbb = (d: number) => (d < SPLIT ? 50 : 51);

async function splitFile(): Promise<Uint8Array> {
  await initParquetNode();
  const dates: Date[] = [];
  for (let d = Date.UTC(2020, 0, 6); dates.length < DAYS; d += 86_400_000) {
    const wd = new Date(d).getUTCDay();
    if (wd !== 0 && wd !== 6) dates.push(new Date(d));
  }
  const rows = { date: [] as Date[], ticker: [] as string[], close: [] as number[], volume: [] as number[] };
  for (const tk of ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'])
    dates.forEach((dt, d) => {
      rows.date.push(dt);
      rows.ticker.push(tk);
      rows.close.push(tk === 'AAA' ? aaa(d) : tk === 'BBB' ? bbb(d) : 50);
      rows.volume.push(1000 + d);
    });
  const t = new arrow.Table({
    date: arrow.vectorFromArray(rows.date, new arrow.DateDay()),
    ticker: arrow.vectorFromArray(rows.ticker, new arrow.Utf8()),
    open: arrow.vectorFromArray(rows.close, new arrow.Float64()),
    high: arrow.vectorFromArray(rows.close, new arrow.Float64()),
    low: arrow.vectorFromArray(rows.close, new arrow.Float64()),
    close: arrow.vectorFromArray(rows.close, new arrow.Float64()),
    adj_close: arrow.vectorFromArray(rows.close, new arrow.Float64()),
    volume: arrow.vectorFromArray(rows.volume, new arrow.Float64()),
  });
  return tableToParquet(t);
}

async function load(mode: PreprocessConfig['extremeReturns']) {
  const prep: PreprocessConfig = { ...defaultPreprocessing, minHistory: 0, ...(mode ? { extremeReturns: mode } : {}) };
  const loaded = await loadPanel(io, { kind: 'file', name: 'split.parquet' }, prep, await splitFile());
  const p = loaded.panel;
  const T = p.dates.length,
    N = p.tickers.length;
  const h5 = p.horizons.indexOf(5);
  const a = p.tickers.indexOf('AAA');
  return {
    loaded,
    p,
    T,
    N,
    a,
    ew: equalWeightBenchmark(p.ret, T, N),
    /** AAA's 5-day label at date t: P[t+6] / P[t+1] - 1 */
    label5: (t: number) => p.fwd[(h5 * T + t) * N + a],
  };
}

describe('extremeReturns: keep (default) / clip / drop an unadjusted -99.9% split day', () => {
  it('keep: the split drags the EW benchmark and the label; the load warns naming the ticker and date', async () => {
    const r = await load(undefined);
    expect(r.p.dates[SPLIT]).toBe('2020-01-20');
    const w = r.loaded.warnings.find((x) => x.includes('doubtful one-day return'));
    expect(w).toContain('AAA on 2020-01-20: -99.9%');
    expect(w).toContain('Doubtful returns to clip or drop');
    // AAA's return on day 10: 0.1 / 100 - 1 = -0.999
    expect(r.p.ret[SPLIT * r.N + r.a]).toBeCloseTo(-0.999, 6);
    // EW benchmark of day 10: (AAA -0.999 + BBB 0.02 + 0 x 4) / 6 = -0.979 / 6 = -0.163167
    expect(r.ew[SPLIT]).toBeCloseTo(-0.979 / 6, 6);
    // day 11: AAA 0.101 / 0.1 - 1 = +1%, the others flat: 0.01 / 6 = 0.001667
    expect(r.ew[SPLIT + 1]).toBeCloseTo(0.01 / 6, 6);
    // AAA's 5-day label at day 7: P[13] / P[8] - 1 = 0.101 / 100 - 1 = -0.99899
    expect(r.label5(7)).toBeCloseTo(-0.99899, 5);
    expect(r.loaded.notes.some((x) => x.includes('clipped') || x.includes('dropped'))).toBe(false);
  });

  it('clip: the day moves by -50%, later prices rescaled by 0.5 / 0.001 = 500', async () => {
    const r = await load('clip');
    expect(r.loaded.warnings.find((x) => x.includes('doubtful one-day return'))).toContain('They are clipped to ±50%');
    expect(r.loaded.notes.find((x) => x.includes('clipped to ±50%'))).toContain('AAA on 2020-01-20: -99.9%');
    expect(r.p.ret[SPLIT * r.N + r.a]).toBeCloseTo(-0.5, 6);
    // EW day 10: (-0.5 + 0.02) / 6 = -0.08
    expect(r.ew[SPLIT]).toBeCloseTo(-0.08, 6);
    // day 11 is unchanged: AAA 0.101 x 500 / (0.1 x 500) - 1 = +1%
    expect(r.ew[SPLIT + 1]).toBeCloseTo(0.01 / 6, 6);
    // label at day 7: 0.101 x 500 / 100 - 1 = 50.5 / 100 - 1 = -0.495
    expect(r.label5(7)).toBeCloseTo(-0.495, 5);
    // a label that does not span the split is unchanged: day 12, P[18] / P[13] - 1 = 0
    expect(r.label5(12)).toBeCloseTo(0, 6);
  });

  it('drop: AAA leaves day 10; later prices divided by 0.001, so the next day keeps its real +1%', async () => {
    const r = await load('drop');
    expect(r.loaded.notes.find((x) => x.includes('dropped'))).toContain('AAA on 2020-01-20: -99.9%');
    // no price for AAA on day 10: not tradable, no return
    expect(r.p.tradable[SPLIT * r.N + r.a]).toBe(0);
    expect(Number.isNaN(r.p.ret[SPLIT * r.N + r.a])).toBe(true);
    // EW day 10 (a missing return counts as 0, as for a holding): (0 + 0.02 + 0 x 4) / 6 = 0.003333
    expect(r.ew[SPLIT]).toBeCloseTo(0.02 / 6, 6);
    // day 11: AAA 0.101 / 0.001 = 101 against day 9's 100: +1% -> 0.01 / 6
    expect(r.p.ret[(SPLIT + 1) * r.N + r.a]).toBeCloseTo(0.01, 6);
    expect(r.ew[SPLIT + 1]).toBeCloseTo(0.01 / 6, 6);
    // label at day 7: 101 / 100 - 1 = +1%
    expect(r.label5(7)).toBeCloseTo(0.01, 5);
  });
});

describe('extremeReturns drop: the validation counts are taken after the doubtful day is removed', () => {
  it('kept = 6 stocks x 30 days - 1 dropped day = 179; dropped = 1; keep leaves 180', async () => {
    const engine = await io.engine();
    await loadParquet(engine, 'split_raw', await splitFile());
    const drop = validateInput(engine, 'split_raw', { file: 'split.parquet', out: 'split_drop', extremeReturns: 'drop' });
    // 6 tickers x DAYS (30) = 180 raw rows; AAA's split day (day 10) dropped -> 179 kept, 1 dropped
    expect(drop.stats.rows).toBe(180);
    expect(drop.stats.keptRows).toBe(179);
    expect(drop.stats.droppedRows).toBe(1);
    // day 10 has 5 stocks left, the other 29 days 6
    expect(drop.stats.minStocksPerDate).toBe(5);
    expect(drop.stats.maxStocksPerDate).toBe(6);
    const keep = validateInput(engine, 'split_raw', { file: 'split.parquet', out: 'split_keep', extremeReturns: 'keep' });
    expect(keep.stats.keptRows).toBe(180);
    expect(keep.stats.droppedRows).toBe(0);
    expect(keep.stats.minStocksPerDate).toBe(6);
  });
});

describe("keep: the load leaves the check to the factor pass (validatePrices doubtfulInPass); the warnings are validation's", () => {
  it('the same warnings in the same order as validating alone (which runs the query), and with an end date', async () => {
    const engine = await io.engine();
    await loadParquet(engine, 'split_raw2', await splitFile());
    const alone = validateInput(engine, 'split_raw2', { file: 'split.parquet', out: 'split_alone', order: 'ticker' });
    const deferred = validateInput(engine, 'split_raw2', {
      file: 'split.parquet',
      out: 'split_def',
      order: 'ticker',
      doubtfulInPass: true,
    });
    // validation alone warns (the query); asked to defer, it does not, and says where the warning goes
    expect(alone.warnings.some((w) => w.includes('AAA on 2020-01-20: -99.9%'))).toBe(true);
    expect(deferred.warnings.some((w) => w.includes('doubtful'))).toBe(false);
    expect(deferred.doubtfulAt).toBe(alone.warnings.findIndex((w) => w.includes('doubtful')));
    // the statements the load runs: extremeReturns's query is the one reading lead(ticker)
    const seen: string[] = [];
    const query = engine.query.bind(engine);
    engine.query = (sql: string) => (seen.push(sql), query(sql));
    try {
      const r = await load(undefined);
      expect(r.loaded.warnings).toEqual(alone.warnings);
      expect(seen.some((q) => q.includes('lead(ticker)'))).toBe(false);
      // with an end date the pass stops there: validation runs the query itself (the split on day 10 is before the end)
      const prep: PreprocessConfig = { ...defaultPreprocessing, minHistory: 0 };
      const ended = await loadPanel(io, { kind: 'file', name: 'split.parquet', end: '2020-02-10' }, prep, await splitFile());
      expect(ended.warnings).toEqual(alone.warnings);
      expect(seen.some((q) => q.includes('lead(ticker)'))).toBe(true);
    } finally {
      engine.query = query;
    }
  });
});
