/** Caveats shown wherever results on the bundled data appear (shared/data/README.md: known flaws). */
export const SURVIVORSHIP =
  'Survivorship bias: the bundled universe is the S&P 500 membership of April 2021, not the membership on each past date, so companies that later left the index are missing and past returns look better than they were.';
