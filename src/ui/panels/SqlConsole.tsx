/** SQL console: one read-only SELECT over the loaded tables (the file's and the panel's factors table), result grid, CSV / parquet export. */
import { exportQueryResult, runQuery } from '../../state/actions';
import { useLab } from '../../state/store';
import { fmtCell } from '../format';
import { ErrorBox, Panel } from '../components/common';
import { SQL_HELP } from '../help-text';

const MAX_ROWS = 200;
const NO_TABLES: { name: string; columns: string[]; rows: number; lazy?: boolean }[] = [];
/** columns listed in full up to this many; longer lists (the factors table) are shortened, in full on hover */
const MAX_LISTED_COLUMNS = 10;

const columnList = (cols: string[]): string =>
  cols.length <= MAX_LISTED_COLUMNS
    ? cols.join(', ')
    : `${cols.slice(0, MAX_LISTED_COLUMNS - 2).join(', ')}, … ${cols.slice(-2).join(', ')} (${cols.length} columns)`;

/** Save bytes as a file (the browser's download). */
function download(name: string, bytes: Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function exportResult(format: 'csv' | 'parquet'): Promise<void> {
  const r = await exportQueryResult(format);
  if (r) download(r.name, r.bytes, format === 'csv' ? 'text/csv;charset=utf-8' : 'application/vnd.apache.parquet');
}

/** The header's row count: the query's total, and how many were fetched when the engine stopped early. */
export function sqlRowCount(r: { rows: unknown[]; truncated?: boolean; totalRows?: number }): string {
  const total = r.totalRows ?? r.rows.length;
  const n = (x: number) => x.toLocaleString('en-US');
  return r.truncated || total > r.rows.length
    ? `${n(total)} rows (first ${n(r.rows.length)} fetched)`
    : `${n(total)} row${total === 1 ? '' : 's'}`;
}

export function SqlConsole() {
  const sql = useLab((s) => s.sql);
  const setSql = useLab((s) => s.setSql);
  const status = useLab((s) => s.queryStatus);
  const result = useLab((s) => s.queryResult);
  const ms = useLab((s) => s.queryMs);
  const error = useLab((s) => s.queryError);
  const tables = useLab((s) => s.summary?.tables ?? NO_TABLES);
  const hasData = useLab((s) => s.summary !== null);
  const activity = useLab((s) => s.queryActivity ?? null);
  const exporting = useLab((s) => s.queryExport ?? null);
  const fileTables = tables.filter((t) => !t.lazy);
  const examples = tables.length
    ? [
        ...(tables.some((t) => t.name === 'factors') ? ['SELECT * FROM factors ORDER BY date, ticker LIMIT 20'] : []),
        ...(fileTables.length ? [`SELECT * FROM ${fileTables[0].name} LIMIT 20`] : []),
        ...(fileTables.length > 1 ? [`SELECT COUNT(*) AS n FROM ${fileTables[1].name}`] : []),
        `DESCRIBE ${tables[0].name}`,
      ]
    : [];

  return (
    <Panel
      id="panel-sql"
      title="SQL console"
      status={
        result && ms !== null ? (
          <span data-testid="sql-rowcount">
            {sqlRowCount(result)} in {ms.toFixed(0)} ms
          </span>
        ) : undefined
      }
      help={
        <>
          <p>{SQL_HELP.intro}</p>
          <dl className="sql-help-tables">
            {SQL_HELP.tables.map(([name, text]) => (
              <div key={name}>
                <dt>
                  <code>{name}</code>
                </dt>
                <dd>{text}</dd>
              </div>
            ))}
          </dl>
          <p>{SQL_HELP.export}</p>
        </>
      }
    >
      {tables.length > 0 ? (
        <ul className="tables" aria-label="Loaded tables">
          {tables.map((t) => (
            <li key={t.name}>
              <code>{t.name}</code>{' '}
              <span className="muted" title={t.columns.join(', ')}>
                {t.rows.toLocaleString('en-US')} rows · {columnList(t.columns)}
                {t.lazy ? ' · built from the panel on first use' : ''}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">{hasData ? 'This dataset exposes no tables.' : 'Load a dataset to query its tables.'}</p>
      )}
      <form
        className="sql-form"
        onSubmit={(e) => {
          e.preventDefault();
          void runQuery();
        }}
      >
        <label htmlFor="sql-input" className="sr-only">
          SQL query
        </label>
        <textarea
          id="sql-input"
          value={sql}
          spellCheck={false}
          rows={4}
          onChange={(e) => setSql(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void runQuery();
            }
          }}
          data-testid="sql-input"
        />
        <div className="btn-row">
          <button type="submit" className="btn primary" disabled={status === 'running'} data-testid="sql-run">
            {status === 'running' ? 'Running…' : 'Run'}
          </button>
          {examples.map((q) => (
            <button key={q} type="button" className="btn small ghost" onClick={() => void runQuery(q)}>
              {q}
            </button>
          ))}
        </div>
      </form>
      {status === 'running' && activity && (
        <p className="muted small" role="status" data-testid="sql-activity">
          {activity}
        </p>
      )}
      <ErrorBox error={error} />
      {result && (
        <div className="btn-row sql-export" role="group" aria-label="Export the result">
          <span className="muted small">
            Export all {(result.totalRows ?? result.rows.length).toLocaleString('en-US')} rows of this result:
          </span>
          {(['csv', 'parquet'] as const).map((f) => (
            <button
              key={f}
              type="button"
              className="btn small"
              disabled={exporting !== null || status === 'running'}
              onClick={() => void exportResult(f)}
              data-testid={`sql-export-${f}`}
              title={`Run this query again and download its whole result as ${f === 'csv' ? 'CSV' : 'parquet'}`}
            >
              {exporting === f ? 'Exporting…' : f === 'csv' ? 'CSV' : 'Parquet'}
            </button>
          ))}
          {result.notes?.map((n) => (
            <span key={n} className="muted small" data-testid="sql-note">
              {n}
            </span>
          ))}
        </div>
      )}
      {result && (
        <div className="grid-wrap" data-testid="sql-result" data-rows={result.rows.length}>
          <table className="grid">
            <thead>
              <tr>
                {result.columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {result.rows.slice(0, MAX_ROWS).map((r, i) => (
                <tr key={i}>
                  {r.map((v, j) => (
                    <td key={j} className={typeof v === 'number' || typeof v === 'bigint' ? 'num' : undefined}>
                      {fmtCell(v)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {(result.rows.length > MAX_ROWS || result.truncated) && (
            <p className="muted small">
              Showing {Math.min(MAX_ROWS, result.rows.length)} of {(result.totalRows ?? result.rows.length).toLocaleString('en-US')} rows;
              add a LIMIT or an aggregate to see the rest.
            </p>
          )}
        </div>
      )}
    </Panel>
  );
}
