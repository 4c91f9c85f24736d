/** SQL console: one read-only SELECT over the loaded tables, result grid. */
import { runQuery } from '../../state/actions';
import { useLab } from '../../state/store';
import { fmtCell } from '../format';
import { ErrorBox, Panel } from '../components/common';

const MAX_ROWS = 200;
const NO_TABLES: { name: string; columns: string[]; rows: number }[] = [];

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
  const examples = tables.length
    ? [
        `SELECT * FROM ${tables[0].name} LIMIT 20`,
        ...(tables.length > 1 ? [`SELECT COUNT(*) AS n FROM ${tables[1].name}`] : []),
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
        <p>
          Query the loaded tables with DuckDB SQL, in your browser. The console is <b>read-only</b>: one SELECT (or WITH / DESCRIBE) at a
          time; the Data panel is what loads and changes tables. Press Ctrl+Enter to run.
        </p>
      }
    >
      {tables.length > 0 ? (
        <ul className="tables" aria-label="Loaded tables">
          {tables.map((t) => (
            <li key={t.name}>
              <code>{t.name}</code>{' '}
              <span className="muted">
                {t.rows.toLocaleString('en-US')} rows · {t.columns.join(', ')}
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
      <ErrorBox error={error} />
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
