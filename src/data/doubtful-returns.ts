/**
 * Returns the lab should doubt (issue 16): one-day moves that are almost always an unadjusted split or a bad price,
 * and what to do with them before factors, labels and daily returns are computed (PreprocessConfig.extremeReturns):
 *   'keep' (default): the rows stay as they are; validation warns with the tickers and dates (schema.extremeReturns);
 *   'clip': a doubtful return r is replaced by max(-50%, min(+50%, r)): every later price of the ticker is rescaled by
 *           (1 + clip(r)) / (1 + r), so the day moves by at most 50% and nothing after it changes shape;
 *   'drop': the doubtful day is removed (the stock is out of that day's cross-section, benchmark and portfolios) and
 *           every later price of the ticker is divided by (1 + r): the move is treated as a split the file forgot, so
 *           the next day's return is the real one.
 * Rescaling only the adjusted price is enough: the factor library adjusts open / high / low by adj / close
 * (factors-sql.ts), and labels and daily returns are ratios of the adjusted price.
 */
import { dayToIso } from '../core/dates';
import { queryRows, queryScalar, sqlIdent, type SqlEngine } from './sql-engine';

export type ExtremeReturnsMode = 'keep' | 'clip' | 'drop';
export const EXTREME_RETURNS_MODES: readonly ExtremeReturnsMode[] = ['keep', 'clip', 'drop'];

/**
 * One-day returns flagged with their tickers and dates: falls of about 50% or more (an unadjusted 2:1 split is -50%),
 * rises of 100% or more (a reverse split), and moves beyond 50% either way that the next day undoes (a bad price).
 * A +60% day that stays (a takeover, a drug approval: the shared data has three) is real and not flagged.
 */
export const EXTREME_RETURN = 0.5;

/** SQL predicate over a one-day return `r` and the two-day return `back` (t-1 -> t+1): true for a doubtful day */
export const doubtfulSql = (r: string, back: string): string =>
  `(${r} <= ${-EXTREME_RETURN + 0.01} OR ${r} >= ${2 * EXTREME_RETURN} OR (abs(${r}) > ${EXTREME_RETURN} AND abs(${back}) < 0.1))`;

/** the predicate's bounds as the SQL reads them (the same doubles: each is parsed from the text doubtfulSql writes) */
const FALL = Number(String(-EXTREME_RETURN + 0.01)),
  RISE = Number(String(2 * EXTREME_RETURN)),
  MOVE = Number(String(EXTREME_RETURN));

/** A doubtful day for the messages: ticker, ISO date, one-day return */
export interface DoubtfulDay {
  ticker: string;
  d: string;
  r: number;
}

/** 'AAA on 2008-12-05: +102.4%, ...': the examples of the warning and the treatment note */
export const doubtfulExamples = (days: DoubtfulDay[]): string =>
  days.map((x) => `${x.ticker} on ${x.d}: ${x.r > 0 ? '+' : ''}${(x.r * 100).toFixed(1)}%`).join(', ');

/**
 * The doubtful days of a price stream in (ticker, date) order, fed row by row: the typed-array twin of the query
 * schema.ts extremeReturns runs on a (ticker, date)-ordered table (the factor pass reads those rows anyway, so the
 * loader has it count them there instead of a query of its own). Row i of a run (a ticker's rows) has
 * r = p_i / p_(i-1) - 1 (none on a run's first row) and back = p_(i+1) / p_(i-1) - 1 (none on its first or last row),
 * the same divisions as the SQL's lag / lead, tested with doubtfulSql's bounds (the same doubles). Each row is decided
 * when the next one arrives (or its run ends). Keeps the count and the `keep` largest |r| (ties: earlier run, then
 * earlier day: the SQL's ORDER BY abs(r) DESC, ticker, date for runs in ticker order). Prices must be > 0 (the clean
 * prices table's adj_close is).
 */
export class DoubtfulScan {
  n = 0;
  /** the largest |r| so far, largest first: run index, day number, r */
  readonly top: { run: number; day: number; r: number }[] = [];
  /** true once a whole stream has been fed (finish) */
  done = false;
  private run = -1;
  /** the row waiting for its next one: price, day, its r (NaN on a run's first row), the price before it (NaN: none) */
  private p = NaN;
  private day = 0;
  private r = NaN;
  private before = NaN;
  constructor(private readonly keep = 3) {}

  /** the next row: true when it starts a ticker's run, its day number and price */
  push(startsRun: boolean, day: number, p: number): void {
    if (startsRun || this.run < 0) {
      if (this.run >= 0) this.decide(NaN);
      this.run++;
      this.r = NaN;
      this.before = NaN;
    } else {
      const prev = this.p;
      this.decide(p / this.before - 1); // the waiting row's back (NaN when it has no row before it)
      this.r = p / prev - 1;
      this.before = prev;
    }
    this.p = p;
    this.day = day;
  }

  /** the stream has ended: the last row is decided; `tickers`: the name of each run, for `largest` */
  finish(tickers: readonly string[]): void {
    if (this.run >= 0) this.decide(NaN);
    this.run = -1;
    this.done = true;
    this.largest = this.top.map((x) => ({ ticker: tickers[x.run] ?? `#${x.run}`, d: dayToIso(x.day), r: x.r }));
  }

  /** the kept days with names and ISO dates, once finished */
  largest: DoubtfulDay[] = [];

  /** the waiting row, given its back */
  private decide(back: number): void {
    const r = this.r;
    if (!(r <= FALL || r >= RISE || (Math.abs(r) > MOVE && Math.abs(back) < 0.1))) return;
    this.n++;
    const a = Math.abs(r);
    const top = this.top;
    // rows arrive in (run, day) order: one with the same |r| as a kept one goes after it
    let k = top.length;
    while (k > 0 && Math.abs(top[k - 1].r) < a) k--;
    if (k >= this.keep) return;
    top.splice(k, 0, { run: this.run, day: this.day, r });
    if (top.length > this.keep) top.pop();
  }
}

export interface DoubtfulTreatment {
  /** doubtful days found (and clipped or dropped unless mode is 'keep') */
  n: number;
  /** a note for the dataset's notes; empty when nothing was changed */
  note: string;
}

/**
 * Apply `mode` to the doubtful one-day returns of `price` (per ticker, consecutive rows by date) in `table`, in place.
 * The table keeps its columns; `orderBy` is the row order to write it back in ('ticker, date' for the clean prices
 * table the factor pass streams, 'date, ticker' for a factor panel). Rows with a missing or non-positive price are
 * left alone (they carry no return). Returns how many days were treated.
 */
export function treatDoubtfulReturns(
  engine: SqlEngine,
  table: string,
  price: string,
  mode: ExtremeReturnsMode,
  file: string,
  orderBy: 'ticker, date' | 'date, ticker',
): DoubtfulTreatment {
  if (mode === 'keep') return { n: 0, note: '' };
  const t = sqlIdent(table),
    p = sqlIdent(price);
  const scratch = '_doubtful_k';
  // k = the factor every price from this day on is multiplied by: clip -> (1 + clip(r)) / (1 + r), drop -> 1 / (1 + r)
  const k = mode === 'clip' ? `(1e0 + greatest(${-EXTREME_RETURN}, least(${EXTREME_RETURN}, r))) / (1e0 + r)` : `1e0 / (1e0 + r)`;
  engine.run(`CREATE OR REPLACE TEMP TABLE ${scratch} AS
    WITH r AS (SELECT ticker, date, ${p} / lag(${p}) OVER w - 1e0 AS r, lead(${p}) OVER w / lag(${p}) OVER w - 1e0 AS back
               FROM ${t} WHERE ${p} > 0 WINDOW w AS (PARTITION BY ticker ORDER BY date)),
         f AS (SELECT ticker, date, coalesce(${doubtfulSql('r', 'back')}, false) AS flag, r FROM r),
         k AS (SELECT ticker, date, flag, r, CASE WHEN flag THEN ln(${k}) ELSE 0e0 END AS lk FROM f)
    SELECT ticker, date, flag, r, exp(sum(lk) OVER (PARTITION BY ticker ORDER BY date ROWS UNBOUNDED PRECEDING)) AS cum
    FROM k WHERE ticker IN (SELECT ticker FROM f WHERE flag)`);
  try {
    const n = Number(queryScalar(engine, `SELECT count(*) FROM ${scratch} WHERE flag`));
    if (n === 0) return { n: 0, note: '' };
    const ex = doubtfulExamples(
      queryRows<DoubtfulDay>(
        engine,
        `SELECT ticker, CAST(date AS VARCHAR) AS d, r FROM ${scratch} WHERE flag ORDER BY abs(r) DESC, ticker, date LIMIT 3`,
      ),
    );
    // the later rows of a ticker after its last priced row keep the last factor (a NULL price stays NULL)
    engine.run(`CREATE OR REPLACE TABLE ${t} AS SELECT * FROM (
      SELECT x.* REPLACE (x.${p} * coalesce(s.cum, 1e0) AS ${p}) FROM ${t} x LEFT JOIN ${scratch} s ON s.ticker = x.ticker AND s.date = x.date
      ${mode === 'drop' ? 'WHERE NOT coalesce(s.flag, false)' : ''}) ORDER BY ${orderBy}`);
    const what =
      mode === 'clip'
        ? `clipped to ±${EXTREME_RETURN * 100}% (later prices of those tickers rescaled)`
        : `dropped (the stock leaves that day; later prices of those tickers rescaled as after a split)`;
    return { n, note: `${file}: ${n} doubtful one-day return(s) ${what}: ${ex}` };
  } finally {
    engine.run(`DROP TABLE IF EXISTS ${scratch}`);
  }
}
