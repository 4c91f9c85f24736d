/** Caveats shown wherever results on the bundled data appear (shared/data/README.md: known flaws). */
export const SURVIVORSHIP =
  'Survivorship bias: the bundled universe is the S&P 500 membership of April 2021, not the membership on each past date, so companies that later left the index are missing and past returns look better than they were.';

/**
 * The signal tear sheet (Alphalens-style views, src/eval/signal-views.ts): what each view means and how to read it.
 * Shown under each chart's title; the definitions there are the exact formulas.
 */
export const SIGNAL_HELP = {
  section:
    'How good is the score as a signal, before any portfolio rule? These views follow Alphalens: how long the signal lasts, where it works, how the score groups perform, and how fast the ranking changes.',
  icDecay:
    'Mean rank IC of the score against the forward return over each horizon (1 day, 5 days, ...), with dotted lines at ±2 standard errors (Newey-West, as overlapping returns are not independent). A signal that holds up over longer horizons can be traded less often; a band that crosses 0 is not distinguishable from noise.',
  industryIc:
    'Rank IC among the stocks of one industry at a time, averaged over dates. High everywhere = the score ranks stocks within industries; good in a few only = it may mostly be an industry bet, or works in some sectors only.',
  quantileCum:
    "Each score quintile held equally weighted on the strategy's rebalance dates and execution lag, gross of costs (Q1 = lowest scores, darkest = highest). A good score fans the lines out in order, Q5 on top; the dashed line is Q5 − Q1 (long the top, short the bottom).",
  rankAutocorr:
    'Spearman correlation of the scores with those of the previous rebalance. Near 1 = a slow signal (low turnover, cheap to trade); near 0 = a new ranking each time, which costs more to follow.',
  quantileTurnover:
    'Share of the stocks in each quintile that were not in it at the previous rebalance, averaged. The extreme quintiles are the ones a long-short portfolio trades: high turnover there means high costs.',
  distribution:
    "Histogram of the portfolio's daily net returns. Skew < 0 = a longer tail of losses; excess kurtosis > 0 = more extreme days than a normal distribution. The 5% VaR is the loss of the worst day in 20; the CVaR the average of those days.",
  holdings:
    'The book: the stocks and weights the strategy set at the last rebalance on or before the chosen date (weights drift with prices until the next rebalance). Negative weights are shorts.',
} as const;
/** Data panel > Doubtful returns (PreprocessConfig.extremeReturns; src/data/doubtful-returns.ts) */
export const DOUBTFUL_RETURNS_HELP =
  'A one-day fall of 49% or more, a rise of 100% or more, or a move beyond ±50% that the next day undoes is almost always an unadjusted split or a bad price, not a return: a -99.9% day drags the equal-weighted benchmark and every portfolio holding the stock. Keep leaves the prices as they are (the load lists the tickers and dates); clip caps the day at ±50%; drop removes the day and treats the move as a split (later prices rescaled), so the next day keeps its real return. Both act before factors and labels are computed. Split-adjusted prices (adj_close or adj_factor) are better than either.';

/** Data panel > Use label-like columns (PreprocessConfig.includeLabelLike) */
export const LABEL_LIKE_HELP =
  "A factor panel's columns named like labels (LABEL0, target_5d, fwd_return_20) or correlating with the forward return far beyond what a factor can (|IC| > 0.5 on the first 60% of dates) are future information: taken as factors they give an IC near 1 and a backtest no one could trade. They are excluded, with a warning naming each. Tick this only if such a column really is known on its date.";

/** SQL console (src/ui/panels/SqlConsole.tsx): what it is, the tables, the exports. */
export const SQL_HELP = {
  intro:
    'Query the loaded data with DuckDB SQL, in your browser. The console is read-only: one SELECT (or WITH / DESCRIBE) at a time; the Data panel is what loads and changes tables. Ctrl+Enter runs.',
  tables: [
    [
      'factors',
      "every dataset. One row per date and stock of the cross-section (the stocks the models see that day). Columns: date, ticker, industry, universe (the size universe that month: top100 / next150 / rest by dollar volume; NULL in the first month, before a ranking exists), every factor AS THE MODELS SEE IT, i.e. after the Data panel's preprocessing (winsorised, z-scored or ranked per date, industry-neutralised if set; a missing value is filled with the date's mean, 0), and the labels fwd_1, fwd_5, ...: the RAW forward return over h days from the next day's close, P[t+1+h] / P[t+1] - 1, NULL where the future price is unknown. Built from the panel on the first query that names it (a few seconds on the full data), again after each load.",
    ],
    [
      'prices',
      'a prices file: its validated daily rows as loaded (date, ticker, open, high, low, close, adj_close, volume, ...), before factors. The synthetic market: date, ticker, industry, close (an index starting at 100 per stock, compounded from ret) and ret (the daily return), so fwd_h = close[t+1+h] / close[t+1] - 1.',
    ],
    ['sectors', 'the sectors file next to a prices file: ticker, sector, sub_industry.'],
    [
      'factor_panel',
      'a factor-panel file: its validated columns as loaded, raw (not preprocessed); the factors table has them preprocessed.',
    ],
  ] as [string, string][],
  export:
    'CSV and Parquet download the WHOLE result of the query shown (every row, not only the 200 on screen; run the query first). CSV: numbers in full precision (FLOAT columns to float32 precision), dates as YYYY-MM-DD, NULL as an empty cell, a text cell starting with = + - @ gets a leading apostrophe (no formulas). Parquet keeps the column types.',
} as const;

/** Model step > Seeds and Held-out stocks; Results > Table 2 (FactorVAE's experiments, src/state/experiments.ts) */
export const EXPERIMENT_HELP = {
  seeds:
    'One number or a list (at most 10): "Train & compare" trains every ticked method once per seed, labelled Method@seed, and Table 1 in the Results step shows each method\'s Rank IC and Rank ICIR as mean (std) over its seeds. A seed sets initial weights and batch order, so the std says how much of a difference between methods is luck. The paper uses 5 seeds.',
  holdout:
    'Robustness (FactorVAE Table 2): m stocks, drawn by the seed, are removed from training and validation and the test evaluates those stocks only, like newly listed stocks the model never saw. Their benchmark is their own equal weight. Off trains and tests on every stock. A count m (the paper: 50, 100, 200 of 300) or a fraction of the test cross-section for smaller universes.',
  table2:
    "FactorVAE's robustness table: each method trained without the held-out stocks and evaluated on them alone. Rank IC: mean per-date Spearman correlation of score and next return over the held-out stocks; Rank ICIR: its mean / std. mean (std) over the seeds; each seed also draws its own m stocks, as in the paper. m: stocks held out, of the stocks in the test cross-section.",
} as const;
