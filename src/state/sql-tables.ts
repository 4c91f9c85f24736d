/**
 * The SQL console's lazily built tables, as the page sees them: the dataset summary lists `factors` (and `prices`
 * for a synthetic market) with `lazy: true`; the worker builds one on the first query that names it. The page says
 * so while that query runs ("Building the factors table…"), once per loaded dataset.
 */
import { mentionsTable } from '../data/factors-table';
import { useLab } from './store';

/** lazy tables already built, per loaded dataset (a new load is a new summary object) */
const built = new WeakMap<object, Set<string>>();

const pending = (sql: string): string[] => {
  const s = useLab.getState().summary;
  if (!s) return [];
  const done = built.get(s);
  return s.tables.filter((t) => t.lazy && !done?.has(t.name) && mentionsTable(sql, t.name)).map((t) => t.name);
};

/** What the console says while `sql` runs when it names a table not built yet; null otherwise. */
export function buildingTablesNote(sql: string): string | null {
  const names = pending(sql);
  if (names.length === 0) return null;
  return `Building the ${names.join(' and ')} table${names.length > 1 ? 's' : ''} from the panel (first query only)…`;
}

/** After `sql` ran: the tables it named are built (for the dataset loaded now). */
export function markTablesBuilt(sql: string): void {
  const s = useLab.getState().summary;
  const names = pending(sql);
  if (!s || names.length === 0) return;
  const done = built.get(s) ?? new Set<string>();
  for (const n of names) done.add(n);
  built.set(s, done);
}
