/**
 * The lab's corpus of bad inputs (issue 16): files, links and settings a hostile or careless user could give, each
 * with the outcome the lab must produce (a message naming the problem, or a warning and correct handling). Built in
 * memory so the unit tests (scripts/bad-corpus.test.ts, against the loaders and the runner's data path) and the e2e
 * test (e2e/bad-input-corpus.spec.ts, a sample against the page) use the same cases; `make-bad-corpus.ts` writes them
 * to a folder with a manifest for people.
 */
import * as arrow from 'apache-arrow';

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

/** What the lab must do with a case: refuse it with a message naming the problem, load it with a warning, or just handle it. */
export type Outcome = 'error' | 'warning' | 'handled';

/** Encoders the caller provides (parquet-wasm in Node for the unit tests, its Node build in the e2e process). */
export interface Encoders {
  parquet(t: arrow.Table, opts?: { compression?: 'snappy' | 'zstd' | 'none'; rowGroupSize?: number }): Uint8Array;
  gzip(bytes: Uint8Array): Uint8Array;
}

export interface FileCase {
  id: string;
  /** issue 16 class: security, crash, silent (silently wrong results), message, corpus basics */
  cls: string;
  kind: 'dataset' | 'benchmark';
  /** file name given to the loader */
  name: string;
  make(enc: Encoders): Uint8Array;
  expect: Outcome;
  /** the error message (error) or one of the warnings / notes (warning, handled) must match */
  match: RegExp;
  /** extra check on a loaded dataset: factor count at least / at most, first date */
  check?: { minFactors?: number; maxFactors?: number; excludes?: string[]; includes?: string[]; firstDate?: string };
  /** preprocessing settings the case is loaded with (a setting the user chose: clip / drop doubtful returns, ...) */
  prep?: { extremeReturns?: 'keep' | 'clip' | 'drop'; includeLabelLike?: boolean };
}

export interface UrlCase {
  id: string;
  cls: string;
  kind: 'url';
  hash: string;
  expect: Outcome;
  match: RegExp;
}

export type BadCase = FileCase | UrlCase;

// ---------------------------------------------------------------- base data

const te = new TextEncoder();
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

/** `n` weekdays from `start` (ISO), every `step` days (1 = daily) */
export function weekdays(n: number, start = '2018-01-02', step = 1): string[] {
  const out: string[] = [];
  for (let d = new Date(`${start}T00:00:00Z`); out.length < n; d = new Date(d.getTime() + 86400000 * step)) {
    const w = d.getUTCDay();
    if (step > 1 || (w !== 0 && w !== 6)) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

export interface PriceRows {
  date: string[];
  ticker: string[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

/** Daily prices: `N` tickers x `D` weekdays, a seeded random walk (sd 1.5% a day), high >= open, close >= low. */
export function prices(N = 30, D = 260, opts: { dates?: string[]; tickers?: string[]; seed?: number } = {}): PriceRows {
  const rnd = lcg(opts.seed ?? 11);
  const dates = opts.dates ?? weekdays(D);
  const tickers = opts.tickers ?? Array.from({ length: N }, (_, i) => `T${String(i).padStart(3, '0')}`);
  const r: PriceRows = { date: [], ticker: [], open: [], high: [], low: [], close: [], volume: [] };
  const px = tickers.map((_, i) => 20 + i);
  for (const d of dates)
    tickers.forEach((t, i) => {
      const o = px[i];
      const c = o * (1 + (rnd() - 0.5) * 0.05);
      px[i] = c;
      r.date.push(d);
      r.ticker.push(t);
      r.open.push(o);
      r.close.push(c);
      r.high.push(Math.max(o, c) * 1.01);
      r.low.push(Math.min(o, c) * 0.99);
      r.volume.push(1e5 + Math.floor(rnd() * 1e5));
    });
  return r;
}

const f64 = (a: number[]) => Float64Array.from(a);
/** an arrow table of price rows plus extra columns */
export function priceTable(p: PriceRows, extra: Record<string, Float64Array | string[] | Int32Array> = {}, dates?: unknown): arrow.Table {
  return arrow.tableFromArrays({
    date: (dates as string[]) ?? p.date,
    ticker: p.ticker,
    open: f64(p.open),
    high: f64(p.high),
    low: f64(p.low),
    close: f64(p.close),
    volume: f64(p.volume),
    ...extra,
  } as Record<string, string[] | Float64Array>);
}

/**
 * A factor panel from price rows: a close column, `k` plain factors (noise plus a weak signal), optional extra columns
 * built per row from (row index, next-day return of that row's stock).
 */
export function factorPanel(
  p: PriceRows,
  opts: {
    factors?: number;
    withClose?: boolean;
    extra?: Record<string, (i: number, nextRet: number) => number>;
    fwd?: Record<string, number>;
  } = {},
): arrow.Table {
  const rnd = lcg(5);
  const n = p.date.length;
  const N = new Set(p.ticker).size;
  // next-day return of the row's stock: P[t+2]/P[t+1]-1 in the lab's label convention (rows are date-major)
  const next = new Float64Array(n).fill(NaN);
  for (let i = 0; i + 2 * N < n; i++) next[i] = p.close[i + 2 * N] / p.close[i + N] - 1;
  const cols: Record<string, Float64Array | string[]> = { date: p.date, ticker: p.ticker };
  if (opts.withClose !== false) cols.close = f64(p.close);
  for (let j = 0; j < (opts.factors ?? 4); j++) cols[`f${j}`] = Float64Array.from({ length: n }, () => rnd() - 0.5);
  for (const [name, fn] of Object.entries(opts.extra ?? {})) cols[name] = Float64Array.from({ length: n }, (_, i) => fn(i, next[i]));
  for (const [name, h] of Object.entries(opts.fwd ?? {}))
    cols[name] = Float64Array.from({ length: n }, (_, i) => (i + (h + 1) * N < n ? p.close[i + (h + 1) * N] / p.close[i + N] - 1 : NaN));
  return arrow.tableFromArrays(cols as Record<string, string[] | Float64Array>);
}

/** CSV text of an arrow table (numbers as JS prints them) */
export function toCsv(t: arrow.Table, sep = ','): string {
  const names = t.schema.fields.map((f) => f.name);
  const lines = [names.join(sep)];
  for (let i = 0; i < t.numRows; i++) lines.push(names.map((c) => String(t.getChild(c)!.get(i))).join(sep));
  return lines.join('\n') + '\n';
}

/** a copy of price rows with one value changed */
function edit(p: PriceRows, fn: (q: PriceRows) => void): PriceRows {
  const q: PriceRows = {
    date: [...p.date],
    ticker: [...p.ticker],
    open: [...p.open],
    high: [...p.high],
    low: [...p.low],
    close: [...p.close],
    volume: [...p.volume],
  };
  fn(q);
  return q;
}

/** ms since epoch of an ISO date at hh:00 UTC */
const at = (iso: string, hh: number) => Date.parse(`${iso}T00:00:00Z`) + hh * 3600000;

/** a timestamp-with-time-zone column: each date's local midnight in a zone `offsetH` hours from UTC */
function tzColumn(dates: string[], offsetH: number, tz: string): arrow.Vector {
  const type = new arrow.TimestampMillisecond(tz);
  return arrow.vectorFromArray(
    dates.map((d) => at(d, -offsetH)),
    type,
  );
}

// ---------------------------------------------------------------- the corpus

const MARKUP = '<img src=x onerror=alert(1)>';
const base = () => prices();

/** The cases: at least 60, each with its expected outcome. */
export function badCorpus(): BadCase[] {
  const P = (t: () => arrow.Table, o?: Parameters<Encoders['parquet']>[1]) => (enc: Encoders) => enc.parquet(t(), o);
  const T = (s: string) => () => te.encode(s);
  const cases: BadCase[] = [];
  const file = (c: Omit<FileCase, 'kind'> & { kind?: FileCase['kind'] }) => cases.push({ kind: 'dataset', ...c });
  const bench = (c: Omit<FileCase, 'kind' | 'cls'> & { cls?: string }) => cases.push({ kind: 'benchmark', cls: 'benchmark scale', ...c });
  const url = (c: Omit<UrlCase, 'kind' | 'cls'> & { cls?: string }) => cases.push({ kind: 'url', cls: 'url', ...c });

  // --- damaged and foreign files (clear message naming the file)
  file({
    id: 'csv-as-parquet',
    cls: 'damaged',
    name: 'prices.parquet',
    make: T('date,ticker,close\n2019-01-02,A,1\n'),
    expect: 'error',
    match: /prices\.parquet is not a parquet file.*CSV/,
  });
  file({
    id: 'empty-file',
    cls: 'damaged',
    name: 'empty.parquet',
    make: () => new Uint8Array(0),
    expect: 'error',
    match: /empty\.parquet/,
  });
  file({
    id: 'random-bytes',
    cls: 'damaged',
    name: 'noise.parquet',
    make: () => Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 255),
    expect: 'error',
    match: /noise\.parquet/,
  });
  file({
    id: 'truncated-parquet',
    cls: 'damaged',
    name: 'cut.parquet',
    make: (e) => {
      const b = e.parquet(priceTable(base()));
      return b.subarray(0, Math.floor(b.length / 2));
    },
    expect: 'error',
    match: /cut\.parquet/,
  });
  file({
    id: 'corrupt-pages-panic',
    cls: 'crash',
    name: 'damaged.parquet',
    make: (e) => corruptDataPages(e.parquet(damagedBase(), { compression: 'snappy', rowGroupSize: 1000 }), 192),
    expect: 'error',
    match: /damaged\.parquet is damaged \(row group 2 of 3 could not be decoded/,
  });
  file({
    id: 'corrupt-pages-clean-error',
    cls: 'crash',
    name: 'damaged2.parquet',
    // seed 4: a dictionary key beyond the dictionary, reported by the decoder (no panic)
    make: (e) => corruptDataPages(e.parquet(damagedBase(), { compression: 'none', rowGroupSize: 1000 }), 4),
    expect: 'error',
    match: /damaged2\.parquet is damaged \(row group \d of 3 could not be decoded: .*dictionary key beyond bounds/,
  });
  file({
    id: 'truncated-csv-gz',
    cls: 'damaged',
    name: 'p.csv.gz',
    make: (e) => e.gzip(te.encode(toCsv(priceTable(base())))).subarray(0, 400),
    expect: 'error',
    match: /p\.csv\.gz/,
  });
  file({
    id: 'ragged-csv',
    cls: 'damaged',
    name: 'ragged.csv',
    make: T('date,ticker,open,high,low,close,volume\n2019-01-02,A,1,1,1,1,1\n2019-01-03,A,1,1\n"unclosed,1\n'),
    expect: 'error',
    match: /ragged\.csv/,
  });

  // --- missing or broken columns
  file({
    id: 'no-ticker',
    cls: 'columns',
    name: 'nt.parquet',
    make: P(() => arrow.tableFromArrays({ date: base().date, close: f64(base().close) })),
    expect: 'error',
    match: /nt\.parquet: missing stock id column/,
  });
  file({
    id: 'no-date',
    cls: 'columns',
    name: 'nd.parquet',
    make: P(() => arrow.tableFromArrays({ ticker: base().ticker, close: f64(base().close) })),
    expect: 'error',
    match: /nd\.parquet: missing column 'date'/,
  });
  file({
    id: 'no-close',
    cls: 'columns',
    name: 'nc.parquet',
    make: P(() => {
      const b = base();
      return arrow.tableFromArrays({
        date: b.date,
        ticker: b.ticker,
        open: f64(b.open),
        high: f64(b.high),
        low: f64(b.low),
        volume: f64(b.volume),
      });
    }),
    expect: 'error',
    match: /nc\.parquet: missing column 'close'/,
  });
  file({
    id: 'duplicates',
    cls: 'columns',
    name: 'dup.parquet',
    make: P(() => priceTable(edit(base(), (q) => (q.ticker[1] = q.ticker[0])))),
    expect: 'error',
    match: /dup\.parquet: \d+ duplicate \(date, ticker\)/,
  });
  file({
    id: 'bad-dates',
    cls: 'columns',
    name: 'bd.parquet',
    make: P(() => priceTable(edit(base(), (q) => (q.date[5] = 'not a date')))),
    expect: 'error',
    match: /bd\.parquet: 1 row\(s\) have a missing or unreadable 'date'.*'not a date'/,
  });
  file({
    id: 'empty-ticker',
    cls: 'columns',
    name: 'et.parquet',
    make: P(() => priceTable(edit(base(), (q) => (q.ticker[3] = '')))),
    expect: 'error',
    match: /et\.parquet: 1 row\(s\) have an empty 'ticker'/,
  });
  file({
    id: 'all-prices-nan',
    cls: 'columns',
    name: 'nan.parquet',
    make: P(() => priceTable(edit(base(), (q) => q.close.fill(NaN)))),
    expect: 'error',
    match: /nan\.parquet: no usable rows/,
  });
  file({
    id: 'text-in-numbers',
    cls: 'columns',
    name: 'txt.csv',
    make: () => te.encode(toCsv(priceTable(base())).replace(/\n(2018-01-02,T001,)[^,]+,/, '\n$1abc,')),
    expect: 'error',
    match: /txt\.csv.*'open'/,
  });
  file({
    id: 'header-only-csv',
    cls: 'columns',
    name: 'hdr.csv',
    make: T('date,ticker,open,high,low,close,volume\n'),
    expect: 'error',
    match: /hdr\.csv/,
  });
  file({
    id: 'no-factor-columns',
    cls: 'columns',
    name: 'nf.parquet',
    make: P(() => arrow.tableFromArrays({ date: base().date, ticker: base().ticker, fwd_ret_1: f64(base().close) })),
    expect: 'error',
    match: /nf\.parquet: no factor columns/,
  });
  file({
    id: 'no-returns-no-price',
    cls: 'columns',
    name: 'np.parquet',
    make: P(() => factorPanel(base(), { withClose: false })),
    expect: 'error',
    match: /np\.parquet: no forward-return columns and no price column/,
  });
  file({
    id: 'only-labels',
    cls: 'silent',
    name: 'ol.parquet',
    make: P(() => factorPanel(base(), { factors: 0, extra: { LABEL0: (_, r) => r, target_5d: (_, r) => r } })),
    expect: 'error',
    match: /ol\.parquet: no factor columns.*LABEL0, target_5d look like labels/,
  });
  file({
    id: 'all-factors-constant',
    cls: 'message',
    name: 'const.parquet',
    make: P(() => factorPanel(base(), { factors: 0, extra: { a: () => 1, b: () => 2 } })),
    expect: 'error',
    match: /const\.parquet: no usable factor columns are left.*'a', 'b' have one value on every row/,
  });
  file({
    id: 'same-horizon-twice',
    cls: 'columns',
    name: 'h2.parquet',
    make: P(() => factorPanel(base(), { fwd: { fwd_ret_5: 5, label_5: 5 } })),
    expect: 'error',
    match: /h2\.parquet: columns 'fwd_ret_5' and 'label_5' are both forward returns over 5 days/,
  });
  file({
    id: 'sectors-alone',
    cls: 'columns',
    name: 'sec.parquet',
    make: P(() => arrow.tableFromArrays({ ticker: ['A', 'B'], sector: ['Tech', 'Energy'] })),
    expect: 'error',
    match: /sec\.parquet: this is a sectors file/,
  });
  file({
    id: 'boolean-dates',
    cls: 'columns',
    name: 'bool.parquet',
    make: P(() =>
      priceTable(
        base(),
        {},
        base().date.map((_, i) => i % 2 === 0),
      ),
    ),
    expect: 'error',
    match: /bool\.parquet: column 'date' has type BOOLEAN/,
  });

  // --- shape detection (silently wrong before: 44 factors became 1)
  file({
    id: 'prices-plus-market-cap',
    cls: 'silent',
    name: 'mcap.parquet',
    make: P(() => priceTable(base(), { market_cap: f64(base().close.map((c) => c * 1e6)) })),
    expect: 'warning',
    match: /mcap\.parquet: read as daily prices .*'market_cap' ignored/,
    check: { minFactors: 20 },
  });
  file({
    id: 'prices-plus-close_1',
    cls: 'silent',
    name: 'c1.parquet',
    make: P(() => priceTable(base(), { close_1: f64(base().close) })),
    expect: 'warning',
    match: /'close_1' ignored/,
    check: { minFactors: 20 },
  });
  file({
    id: 'prices-plus-proto',
    cls: 'silent',
    // CSV: apache-arrow's JS writer cannot make a parquet schema with a field named __proto__ (pandas can)
    name: 'proto.csv',
    make: () => te.encode(toCsv(priceTable(base(), { protoX: f64(base().close) })).replace('protoX', '__proto__')),
    expect: 'warning',
    match: /proto\.csv: read as daily prices .*'__proto__' ignored/,
    check: { minFactors: 20 },
  });

  // --- future information as a factor
  const withSignal = (extra: Record<string, (i: number, r: number) => number>) => P(() => factorPanel(base(), { extra }));
  file({
    id: 'label0-column',
    cls: 'silent',
    name: 'l0.parquet',
    make: withSignal({ LABEL0: (_, r) => r }),
    expect: 'warning',
    match: /'LABEL0' look like labels.*excluded/,
    check: { excludes: ['LABEL0'], maxFactors: 4 },
  });
  file({
    id: 'target_5d-column',
    cls: 'silent',
    name: 't5.parquet',
    make: withSignal({ target_5d: (_, r) => r }),
    expect: 'warning',
    match: /'target_5d' look like labels/,
    check: { excludes: ['target_5d'] },
  });
  file({
    id: 'fwd_return_20-column',
    cls: 'silent',
    name: 'fr.parquet',
    make: withSignal({ fwd_return_20: (_, r) => r }),
    expect: 'warning',
    match: /'fwd_return_20' look like labels/,
    check: { excludes: ['fwd_return_20'] },
  });
  file({
    id: 'leak-by-ic',
    cls: 'silent',
    name: 'leak.parquet',
    make: withSignal({ quality_x: (i, r) => (Number.isFinite(r) ? r + ((i * 7919) % 13) * 1e-5 : 0) }),
    expect: 'warning',
    match: /'quality_x' \(mean IC (0\.9\d+|1\.000)\).*excluded/,
    check: { excludes: ['quality_x'] },
  });

  // the same columns kept at the user's confirmation (Data > Use label-like columns): loaded, with a loud warning
  file({
    id: 'label0-included',
    cls: 'settings',
    name: 'l0i.parquet',
    make: withSignal({ LABEL0: (_, r) => r }),
    prep: { includeLabelLike: true },
    expect: 'warning',
    match: /'LABEL0' look like labels \(future returns\) but are used as factors, as confirmed/,
    check: { includes: ['LABEL0'], minFactors: 5 },
  });
  file({
    id: 'leak-by-ic-included',
    cls: 'settings',
    name: 'leaki.parquet',
    make: withSignal({ quality_x: (i, r) => (Number.isFinite(r) ? r + ((i * 7919) % 13) * 1e-5 : 0) }),
    prep: { includeLabelLike: true },
    expect: 'warning',
    match: /'quality_x' \(mean IC (0\.9\d+|1\.000)\).*but are kept as factors, as confirmed/,
    check: { includes: ['quality_x'] },
  });

  // --- data the lab should doubt
  const splitRows = () =>
    priceTable(
      edit(base(), (q) => {
        // T005 from day 100 on: price / 1000 (a -99.9% "return"), open/high/low too
        for (let i = 0; i < q.date.length; i++)
          if (q.ticker[i] === 'T005' && q.date[i] >= q.date[100 * 30])
            for (const k of ['open', 'high', 'low', 'close'] as const) q[k][i] /= 1000;
      }),
    );
  file({
    id: 'unadjusted-split-clip',
    cls: 'settings',
    name: 'splitc.parquet',
    make: P(splitRows),
    prep: { extremeReturns: 'clip' },
    expect: 'warning',
    match: /splitc\.parquet: 1 doubtful one-day return\(s\) .*T005 .*-99\.9%.*They are clipped to ±50%/,
  });
  file({
    id: 'unadjusted-split-drop',
    cls: 'settings',
    name: 'splitd.parquet',
    make: P(splitRows),
    prep: { extremeReturns: 'drop' },
    expect: 'warning',
    match: /splitd\.parquet: 1 doubtful one-day return\(s\) .*T005 .*-99\.9%.*Those days are dropped/,
  });
  file({
    id: 'spike-clip',
    cls: 'settings',
    name: 'spikec.parquet',
    make: P(() =>
      priceTable(
        edit(base(), (q) => {
          q.close[30 * 50 + 7] *= 1.8;
          q.high[30 * 50 + 7] *= 1.8;
        }),
      ),
    ),
    prep: { extremeReturns: 'clip' },
    expect: 'warning',
    match: /spikec\.parquet: \d doubtful one-day return\(s\) .*T007 on 2018-03-13: \+8\d\.\d%.*They are clipped/,
  });
  file({
    id: 'unadjusted-split',
    cls: 'silent',
    name: 'split.parquet',
    make: P(() =>
      priceTable(
        edit(base(), (q) => {
          // T005 from day 100 on: price / 1000 (a -99.9% "return"), open/high/low too
          for (let i = 0; i < q.date.length; i++)
            if (q.ticker[i] === 'T005' && q.date[i] >= q.date[100 * 30])
              for (const k of ['open', 'high', 'low', 'close'] as const) q[k][i] /= 1000;
        }),
      ),
    ),
    expect: 'warning',
    match: /split\.parquet: 1 doubtful one-day return\(s\) .*largest: T005 on \d{4}-\d\d-\d\d: -99\.9%\)/,
  });
  file({
    id: 'spike',
    cls: 'silent',
    name: 'spike.parquet',
    make: P(() =>
      priceTable(
        edit(base(), (q) => {
          q.close[30 * 50 + 7] *= 1.8;
          q.high[30 * 50 + 7] *= 1.8;
        }),
      ),
    ),
    expect: 'warning',
    match: /spike\.parquet: 1 doubtful one-day return\(s\) .*largest: T007 on 2018-03-13: \+8\d\.\d%/,
  });
  file({
    id: 'weekend-dates',
    cls: 'silent',
    name: 'wk.parquet',
    make: P(() => priceTable(prices(30, 260, { dates: weekdays(260, '2018-01-06', 1).map((d, i) => (i === 10 ? '2018-01-20' : d)) }))),
    expect: 'warning',
    match: /wk\.parquet: 1 of 260 date\(s\) fall on a Saturday or Sunday \(e\.g\. 2018-01-20\)/,
  });
  file({
    id: 'monthly-data',
    cls: 'silent',
    name: 'monthly.parquet',
    make: P(() => priceTable(prices(30, 120, { dates: weekdays(120, '2010-01-04', 30) }))),
    expect: 'warning',
    match: /monthly\.parquet: the data looks monthly/,
  });
  file({
    id: 'weekly-data',
    cls: 'silent',
    name: 'weekly.parquet',
    make: P(() => priceTable(prices(30, 200, { dates: weekdays(200, '2014-01-06', 7) }))),
    expect: 'warning',
    match: /weekly\.parquet: the data looks weekly/,
  });
  file({
    id: 'high-below-low',
    cls: 'message',
    name: 'hl.parquet',
    make: P(() =>
      priceTable(
        edit(base(), (q) => {
          q.high[40] = q.low[40] * 0.5;
        }),
      ),
    ),
    expect: 'warning',
    match: /hl\.parquet: 1 row\(s\) have 'high' below 'low'/,
  });
  file({
    id: 'zero-volume',
    cls: 'message',
    name: 'zv.parquet',
    make: P(() => priceTable(edit(base(), (q) => q.volume.fill(0)))),
    expect: 'warning',
    match: /zv\.parquet: 'volume' is 0 or missing on every row/,
  });
  file({
    id: 'nan-prices',
    cls: 'columns',
    name: 'somenan.parquet',
    make: P(() =>
      priceTable(
        edit(base(), (q) => {
          q.close[50] = NaN;
          q.close[51] = Infinity;
        }),
      ),
    ),
    expect: 'warning',
    match: /somenan\.parquet: 2 of 7800 row\(s\) dropped because 'close' is missing, NaN, infinite or <= 0/,
  });
  file({
    id: 'negative-prices',
    cls: 'columns',
    name: 'neg.parquet',
    make: P(() =>
      priceTable(
        edit(base(), (q) => {
          q.close[70] = -5;
        }),
      ),
    ),
    expect: 'warning',
    match: /neg\.parquet: 1 of 7800 row\(s\) dropped/,
  });
  file({
    id: 'constant-factor',
    cls: 'message',
    name: 'cf.parquet',
    make: withSignal({ flat: () => 3 }),
    expect: 'warning',
    match: /'flat' have one value on every row/,
    check: { excludes: ['flat'] },
  });
  file({
    id: 'empty-factor',
    cls: 'message',
    name: 'ef.parquet',
    make: withSignal({ hollow: () => NaN }),
    expect: 'warning',
    match: /'hollow' have no values/,
    check: { excludes: ['hollow'] },
  });
  file({
    id: 'no-daily-returns',
    cls: 'silent',
    name: 'nr.parquet',
    make: P(() => factorPanel(base(), { withClose: false, fwd: { fwd_ret_5: 5 } })),
    expect: 'warning',
    match: /nr\.parquet: no price column and no 1-day forward return.*not reported/,
  });
  file({
    id: 'thin-dates',
    cls: 'columns',
    name: 'thin.parquet',
    // 30 stocks, but only 3 of them on the first 10 dates
    make: P(() => {
      const p = base();
      const keep = p.date.map((d, i) => d > p.date[30 * 9] || Number(p.ticker[i].slice(1)) < 3);
      const f = <V>(a: V[]) => a.filter((_, i) => keep[i]);
      return priceTable({
        date: f(p.date),
        ticker: f(p.ticker),
        open: f(p.open),
        high: f(p.high),
        low: f(p.low),
        close: f(p.close),
        volume: f(p.volume),
      });
    }),
    expect: 'warning',
    match: /thin\.parquet: 10 date\(s\) have fewer than 5 stocks \(e\.g\. 2018-01-02 with 3\)/,
  });

  // --- odd but valid: handled
  file({
    id: 'tz-utc+8',
    cls: 'message',
    name: 'tz8.parquet',
    make: P(() => {
      const b = base();
      return arrow
        .tableFromArrays({
          ticker: b.ticker,
          open: f64(b.open),
          high: f64(b.high),
          low: f64(b.low),
          close: f64(b.close),
          volume: f64(b.volume),
        })
        .assign(new arrow.Table({ date: tzColumn(b.date, 8, 'Asia/Shanghai') }));
    }),
    expect: 'handled',
    match:
      /tz8\.parquet: column 'date' holds timestamps with a time zone \(100% at 16:00 UTC\); read as calendar dates at midnight UTC\+08:00/,
    check: { firstDate: '2018-01-02' },
  });
  file({
    id: 'tz-new-york',
    cls: 'message',
    name: 'tzny.parquet',
    make: P(() => {
      const b = base();
      return arrow
        .tableFromArrays({
          ticker: b.ticker,
          open: f64(b.open),
          high: f64(b.high),
          low: f64(b.low),
          close: f64(b.close),
          volume: f64(b.volume),
        })
        .assign(new arrow.Table({ date: tzColumn(b.date, -5, 'America/New_York') }));
    }),
    expect: 'handled',
    match:
      /tzny\.parquet: column 'date' holds timestamps with a time zone \(100% at 05:00 UTC\); read as calendar dates at midnight UTC-05:00/,
    check: { firstDate: '2018-01-02' },
  });
  file({
    id: 'yyyymmdd-int-dates',
    cls: 'handled',
    name: 'ymd.parquet',
    make: P(() => priceTable(base(), {}, Int32Array.from(base().date.map((d) => Number(d.replaceAll('-', '')))))),
    expect: 'handled',
    match: /ymd\.parquet: read as daily prices/,
    check: { firstDate: '2018-01-02' },
  });
  file({
    id: 'unsorted-rows',
    cls: 'handled',
    name: 'unsorted.parquet',
    make: P(() => {
      const b = base();
      const idx = b.date.map((_, i) => i).sort((x, y) => ((x * 7919) % 101) - ((y * 7919) % 101) || x - y);
      const pick = <V>(a: V[]) => idx.map((i) => a[i]);
      return priceTable({
        date: pick(b.date),
        ticker: pick(b.ticker),
        open: pick(b.open),
        high: pick(b.high),
        low: pick(b.low),
        close: pick(b.close),
        volume: pick(b.volume),
      });
    }),
    expect: 'handled',
    match: /unsorted\.parquet: rows were not in date order/,
  });
  file({
    id: 'unicode-tickers',
    cls: 'handled',
    name: 'uni.parquet',
    make: P(() => priceTable(prices(30, 260, { tickers: Array.from({ length: 30 }, (_, i) => `株式${i}-Ä€😀`) }))),
    expect: 'handled',
    match: /uni\.parquet: read as daily prices/,
  });
  file({
    id: 'long-tickers',
    cls: 'handled',
    name: 'long.parquet',
    make: P(() => priceTable(prices(30, 260, { tickers: Array.from({ length: 30 }, (_, i) => `${i}`.padEnd(10000, 'x')) }))),
    expect: 'handled',
    match: /long\.parquet: read as daily prices/,
  });
  file({
    id: 'markup-names',
    cls: 'security',
    name: `${MARKUP}.parquet`,
    make: P(() =>
      factorPanel(prices(30, 260, { tickers: Array.from({ length: 30 }, (_, i) => `${MARKUP}${i}`) }), {
        extra: { [MARKUP]: (i) => ((i * 31) % 17) / 17 },
      }),
    ),
    expect: 'handled',
    match: /onerror=alert\(1\)>\.parquet: read as a factor panel/,
  });
  file({
    id: 'semicolon-csv',
    cls: 'handled',
    name: 'semi.csv',
    make: () => te.encode(toCsv(priceTable(base()), ';')),
    expect: 'handled',
    match: /semi\.csv: read as daily prices/,
  });
  file({
    id: 'gzip-csv',
    cls: 'handled',
    name: 'p.csv.gz',
    make: (e) => e.gzip(te.encode(toCsv(priceTable(base())))),
    expect: 'handled',
    match: /p\.csv\.gz: read as daily prices/,
  });
  file({
    id: 'zstd-parquet',
    cls: 'handled',
    name: 'z.parquet',
    make: P(() => priceTable(base()), { compression: 'zstd', rowGroupSize: 500 }),
    expect: 'handled',
    match: /z\.parquet: read as daily prices/,
  });
  file({
    id: 'factor-panel-many-extras',
    cls: 'handled',
    name: 'fp.parquet',
    make: P(() => factorPanel(base(), { factors: 6 })),
    expect: 'handled',
    match: /fp\.parquet: read as a factor panel because it has 6 column/,
    check: { minFactors: 6, maxFactors: 6 },
  });

  // --- benchmarks at the wrong scale or with odd dates
  const bdates = weekdays(260);
  const bret = (fn: (i: number) => number) => () =>
    arrow.tableFromArrays({ date: bdates, ret: Float64Array.from(bdates, (_, i) => fn(i)) });
  const wave = (i: number) => 0.01 * Math.sin(i * 0.7) + 0.0003;
  bench({
    id: 'bench-percent',
    name: 'spx-pct.parquet',
    make: P(bret((i) => wave(i) * 100)),
    expect: 'error',
    match: /spx-pct\.parquet: column 'ret' has a median daily move of .*look like percent/,
  });
  bench({
    id: 'bench-levels-in-ret',
    name: 'spx-lvl.parquet',
    make: P(bret((i) => 2500 + i)),
    expect: 'error',
    match: /spx-lvl\.parquet: column 'ret' holds values from 2500\.00 upwards.*index levels/,
  });
  bench({
    id: 'bench-minus-150',
    name: 'spx-150.parquet',
    make: P(bret((i) => (i === 42 ? -1.5 : wave(i)))),
    expect: 'error',
    match: new RegExp(`spx-150\\.parquet: the return on ${bdates[42]} is -150\\.0%`),
  });
  bench({
    id: 'bench-plus-80',
    name: 'spx-80.parquet',
    make: P(bret((i) => (i === 7 ? 0.8 : wave(i)))),
    expect: 'error',
    match: new RegExp(`spx-80\\.parquet: the return on ${bdates[7]} is \\+80\\.0%`),
  });
  bench({
    id: 'bench-yyyymmdd',
    cls: 'message',
    name: 'spx-int.parquet',
    make: P(() =>
      arrow.tableFromArrays({
        date: Int32Array.from(bdates.map((d) => Number(d.replaceAll('-', '')))),
        ret: Float64Array.from(bdates, (_, i) => wave(i)),
      }),
    ),
    expect: 'handled',
    match: /^2018-01-02$/,
  });
  bench({
    id: 'bench-tz',
    cls: 'message',
    name: 'spx-tz.parquet',
    make: P(
      () =>
        new arrow.Table({
          date: tzColumn(bdates, 8, 'Asia/Shanghai'),
          ret: arrow.vectorFromArray(Float64Array.from(bdates, (_, i) => wave(i))),
        }),
    ),
    expect: 'handled',
    match: /^2018-01-02$/,
  });
  bench({
    id: 'bench-no-value',
    name: 'spx-nv.parquet',
    make: P(() => arrow.tableFromArrays({ date: bdates, level: Float64Array.from(bdates, () => 1) })),
    expect: 'error',
    match: /spx-nv\.parquet: missing value column/,
  });
  bench({
    id: 'bench-dup-dates',
    name: 'spx-dup.parquet',
    make: P(() =>
      arrow.tableFromArrays({ date: bdates.map((d, i) => (i === 3 ? bdates[2] : d)), ret: Float64Array.from(bdates, (_, i) => wave(i)) }),
    ),
    expect: 'error',
    match: /spx-dup\.parquet: 1 date\(s\) appear more than once/,
  });
  bench({
    id: 'bench-nan',
    name: 'spx-nan.parquet',
    make: P(bret((i) => (i === 9 ? NaN : wave(i)))),
    expect: 'error',
    match: /spx-nan\.parquet: column 'ret' has 1 of 260 value\(s\) that are missing, NaN or infinite/,
  });
  bench({
    id: 'bench-negative-level',
    name: 'spx-neg.parquet',
    make: P(() => arrow.tableFromArrays({ date: bdates, close: Float64Array.from(bdates, (_, i) => (i === 5 ? -1 : 100 + i)) })),
    expect: 'error',
    match: /spx-neg\.parquet: column 'close' has 1 of 260 price\(s\) <= 0/,
  });

  // --- links
  url({
    id: 'url-bad-escape-key',
    hash: '#%E0%A4%A=1&seed=7',
    expect: 'warning',
    match: /setting name '%E0%A4%A' is not valid URL encoding/,
  });
  url({ id: 'url-bare-percent', hash: '#%=1', expect: 'warning', match: /setting name '%' is not valid URL encoding/ });
  url({
    id: 'url-bad-escape-value',
    hash: '#model=%E0%A4%A',
    expect: 'warning',
    match: /model: value '%E0%A4%A' is not valid URL encoding/,
  });
  url({ id: 'url-seed-1e308', hash: '#seed=1e308', expect: 'warning', match: /^seed=1e\+308: outside 0\.\.2147483647; using 2147483647$/ });
  url({
    id: 'url-groups-1e12',
    hash: '#split.groups=1e12',
    expect: 'warning',
    match: /^split\.groups=1000000000000: outside 0\.\.200; using 200$/,
  });
  url({ id: 'url-gap-negative', hash: '#split.gap=-100', expect: 'warning', match: /^split\.gap=-100: outside 0\.\.504; using 0$/ });
  url({
    id: 'url-rebalance-negative',
    hash: '#strategy.rebalance=-1',
    expect: 'warning',
    match: /^strategy\.rebalance=-1: outside 1\.\.504; using 1$/,
  });
  url({
    id: 'url-minhistory-1e300',
    hash: '#preprocessing.minHistory=1e300',
    expect: 'warning',
    match: /^preprocessing\.minHistory=1e\+300: outside 0\.\.2520; using 2520$/,
  });
  url({
    id: 'url-groups-1000',
    cls: 'message',
    hash: '#split.groups=1000',
    expect: 'warning',
    match: /^split\.groups=1000: outside 0\.\.200; using 200$/,
  });
  url({
    id: 'url-long-name',
    hash: `#dataset.kind=file&dataset.name=${'n'.repeat(300000)}`,
    expect: 'warning',
    match: /^dataset\.name: a value of 300,000 characters is too long/,
  });
  url({
    id: 'url-proto',
    hash: '#__proto__.polluted=1&constructor.prototype.x=1',
    expect: 'warning',
    match: /unknown setting '__proto__\.polluted' ignored/,
  });
  url({ id: 'url-markup-model', cls: 'security', hash: `#model=${encodeURIComponent(MARKUP)}`, expect: 'handled', match: /^$/ });
  url({ id: 'url-nan-seed', hash: '#seed=NaN', expect: 'warning', match: /^seed=NaN: expected a number, kept 42$/ });
  url({ id: 'url-bad-enum', hash: '#strategy.kind=shortonly', expect: 'warning', match: /strategy\.kind=shortonly: expected one of/ });
  url({
    id: 'url-include-label-like',
    cls: 'settings',
    hash: '#preprocessing.includeLabelLike=true',
    expect: 'warning',
    match: /^preprocessing\.includeLabelLike: label-like columns are used as factors only after a confirmation in the Data panel; ignored$/,
  });
  url({
    id: 'url-extreme-returns-bad',
    cls: 'settings',
    hash: '#preprocessing.extremeReturns=delete',
    expect: 'warning',
    match: /^preprocessing\.extremeReturns=delete: expected one of keep, clip, drop; ignored$/,
  });
  return cases;
}

/** the table the corrupt-page cases damage: 3000 rows, 3 row groups of 1000 (date, ticker, close) */
export function damagedBase(): arrow.Table {
  const n = 3000;
  return arrow.tableFromArrays({
    date: Array.from({ length: n }, (_, i) => `2019-01-${String(1 + (i % 28)).padStart(2, '0')}`),
    ticker: Array.from({ length: n }, (_, i) => `T${i % 50}`),
    close: Float64Array.from({ length: n }, (_, i) => 10 + (i % 7) + i / 1000),
  });
}
