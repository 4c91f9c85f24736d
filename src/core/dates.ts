/** Dates are carried as integer days since 1970-01-01 (UTC) in typed arrays, ISO strings at the edges. */
const MS_PER_DAY = 86_400_000;
export const isoToDay = (iso: string): number => Math.round(Date.parse(iso.slice(0, 10) + 'T00:00:00Z') / MS_PER_DAY);
export const dayToIso = (day: number): string => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
/** year*100+month of a day number, e.g. 201912 */
export const dayToYearMonth = (day: number): number => {
  const d = new Date(day * MS_PER_DAY);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
};
