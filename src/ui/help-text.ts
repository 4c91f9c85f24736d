/** Caveats shown wherever results on the bundled data appear (shared/data/README.md: known flaws). */
export const SURVIVORSHIP =
  'Survivorship bias: the bundled universe is the S&P 500 membership of April 2021, not the membership on each past date, so companies that later left the index are missing and past returns look better than they were.';

/** Data panel > Doubtful returns (PreprocessConfig.extremeReturns; src/data/doubtful-returns.ts) */
export const DOUBTFUL_RETURNS_HELP =
  'A one-day fall of 49% or more, a rise of 100% or more, or a move beyond ±50% that the next day undoes is almost always an unadjusted split or a bad price, not a return: a -99.9% day drags the equal-weighted benchmark and every portfolio holding the stock. Keep leaves the prices as they are (the load lists the tickers and dates); clip caps the day at ±50%; drop removes the day and treats the move as a split (later prices rescaled), so the next day keeps its real return. Both act before factors and labels are computed. Split-adjusted prices (adj_close or adj_factor) are better than either.';

/** Data panel > Use label-like columns (PreprocessConfig.includeLabelLike) */
export const LABEL_LIKE_HELP =
  "A factor panel's columns named like labels (LABEL0, target_5d, fwd_return_20) or correlating with the forward return far beyond what a factor can (|IC| > 0.5 on the first 60% of dates) are future information: taken as factors they give an IC near 1 and a backtest no one could trade. They are excluded, with a warning naming each. Tick this only if such a column really is known on its date.";
