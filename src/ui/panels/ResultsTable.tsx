/**
 * The paper-style results table: methods x universes x metrics (src/eval/table.ts), best in bold and second best
 * underlined per universe and metric, the metric definitions under it, and a CSV export.
 */
import { Fragment, useMemo } from 'react';
import { formatMetric } from '../../eval/table';
import { useLab, type TablePreset } from '../../state/store';
import { TABLE_PRESET_MENU, csvFileName, effectiveLayout, resultsCsv, tableViewOf, testPeriod } from '../../state/views';
import { methodColor } from '../colors';

/** CSV text of the table as shown (the same text the Export button downloads); null without results. */
export function currentCsv(): string | null {
  const s = useLab.getState();
  const v = tableViewOf(s);
  return v ? resultsCsv(v, testPeriod(s.results)) : null;
}

/** Download the table as CSV (a Blob URL on a temporary link). Returns the file name. */
export function downloadCsv(): string | null {
  const text = currentCsv();
  if (text === null) return null;
  const s = useLab.getState();
  const name = csvFileName(s.tablePreset, s.results);
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

const UNIVERSE_HELP: Record<string, string> = {
  all: 'every stock',
  top100: '100 largest by dollar volume',
  next150: 'next 150',
  rest: 'the rest',
};

type View = NonNullable<ReturnType<typeof tableViewOf>>;
type Cell = View['table']['cells'][number][number];

function NumCell({
  cell,
  format,
  gstart,
  col,
}: {
  cell: Cell;
  format: View['table']['columns'][number]['format'];
  gstart?: boolean;
  col: string;
}) {
  const text = formatMetric(cell.value, format, 2);
  return (
    <td className={`num${cell.mark ? ` ${cell.mark}` : ''}${gstart ? ' gstart' : ''}`} data-mark={cell.mark ?? undefined} data-col={col}>
      {text || '–'}
    </td>
  );
}

function MetricHead({ c, def, gstart }: { c: View['table']['columns'][number]; def: string; gstart?: boolean }) {
  return (
    <th scope="col" className={`num${gstart ? ' gstart' : ''}`} title={def}>
      {c.label}
      {(c.better === 'higher' || c.better === 'lower') && <span className="better">{c.better === 'higher' ? '↑' : '↓'}</span>}
    </th>
  );
}

/** Universes as column groups, methods as rows: the papers' layout. */
function ColumnsTable({ view, describe }: { view: View; describe: (u: string) => string }) {
  const { table, ids, definitions } = view;
  const C = table.columns.length;
  const grouped = table.universes.length > 1;
  return (
    <table className="metrics paper" data-testid="metrics-table" data-layout="columns">
      <caption className="sr-only">{table.title}: methods by universe and metric; best value in bold, second best underlined</caption>
      <thead>
        {grouped && (
          <tr>
            <th scope="col" rowSpan={2}>
              Method
            </th>
            {table.universes.map((u) => (
              <th
                key={u}
                scope="colgroup"
                colSpan={C}
                className="ugroup"
                title={describe(u)}
                data-empty={view.emptyUniverses.includes(u) || undefined}
              >
                {u}
                {view.emptyUniverses.includes(u) && <span className="udesc"> empty: no stock scored</span>}
              </th>
            ))}
          </tr>
        )}
        <tr>
          {!grouped && <th scope="col">Method{table.universes[0] ? ` (${table.universes[0]})` : ''}</th>}
          {table.universes.map((u, ui) =>
            table.columns.map((c, ci) => <MetricHead key={`${u}-${c.key}`} c={c} def={definitions[c.key]} gstart={ci === 0 && ui > 0} />),
          )}
        </tr>
      </thead>
      <tbody>
        {table.methods.map((m, mi) => (
          <tr key={m} data-method={ids[mi]}>
            <th scope="row">
              <span className="dot" style={{ background: methodColor(ids[mi]) }} aria-hidden="true" />
              {m}
            </th>
            {table.cells[mi].map((cell, j) => (
              <NumCell
                key={j}
                cell={cell}
                format={table.columns[j % C].format}
                gstart={j % C === 0 && j > 0}
                col={`${table.universes[Math.floor(j / C)]}:${table.columns[j % C].key}`}
              />
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One block of rows per universe (methods inside), metrics as columns: fits any number of universes. */
function RowsTable({ view, describe, members }: { view: View; describe: (u: string) => string; members: (u: string) => string | null }) {
  const { table, ids, definitions } = view;
  const C = table.columns.length;
  return (
    <table className="metrics paper rows" data-testid="metrics-table" data-layout="rows">
      <caption className="sr-only">
        {table.title}: one block per universe, methods by metric; best value in bold, second best underlined
      </caption>
      <thead>
        <tr>
          <th scope="col">Universe</th>
          <th scope="col">Method</th>
          {table.columns.map((c) => (
            <MetricHead key={c.key} c={c} def={definitions[c.key]} />
          ))}
        </tr>
      </thead>
      {table.universes.map((u, ui) => (
        <tbody key={u} className="ublock">
          {table.methods.map((m, mi) => (
            <tr key={m} data-method={ids[mi]} data-universe={u}>
              {mi === 0 && (
                <th scope="rowgroup" rowSpan={table.methods.length} className="uname" title={describe(u)}>
                  {u}
                  {view.emptyUniverses.includes(u) ? (
                    <span className="udesc">empty: no stock scored</span>
                  ) : (
                    members(u) && <span className="udesc">{members(u)}</span>
                  )}
                </th>
              )}
              <th scope="row">
                <span className="dot" style={{ background: methodColor(ids[mi]) }} aria-hidden="true" />
                {m}
              </th>
              {table.columns.map((c, ci) => (
                <NumCell key={c.key} cell={table.cells[mi][ui * C + ci]} format={c.format} col={`${u}:${c.key}`} />
              ))}
            </tr>
          ))}
        </tbody>
      ))}
    </table>
  );
}

export function ResultsTable() {
  const results = useLab((s) => s.results);
  const preset = useLab((s) => s.tablePreset);
  const layoutPref = useLab((s) => s.tableLayout);
  const summary = useLab((s) => s.summary);
  const hidden = useLab((s) => s.hiddenUniverses);
  const setPreset = useLab((s) => s.setTablePreset);
  const setLayout = useLab((s) => s.setTableLayout);
  const toggleUniverse = useLab((s) => s.toggleUniverse);
  const view = useMemo(
    () => tableViewOf({ results, tablePreset: preset, summary, hiddenUniverses: hidden }),
    [results, preset, summary, hidden],
  );
  if (!view) return null;
  const { table, allUniverses, definitions } = view;
  const layout = effectiveLayout(view, layoutPref);
  const describe = (u: string) => summary?.universes.find((x) => x.name === u)?.description ?? UNIVERSE_HELP[u] ?? u;
  const members = (u: string) => {
    const n = summary?.universes.find((x) => x.name === u)?.avgMembers;
    return n ? `~${Math.round(n)} stocks/day` : null;
  };

  return (
    <div className="results-table">
      <div className="chart-head">
        <h3>{table.title}</h3>
        <div className="field inline">
          <label htmlFor="table-preset">Columns</label>
          <select id="table-preset" value={preset} onChange={(e) => setPreset(e.target.value as TablePreset)} data-testid="table-preset">
            {TABLE_PRESET_MENU.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn small"
            onClick={() => downloadCsv()}
            data-testid="export-csv"
            title="Download this table as CSV: one row per method and universe, plain numbers in full precision (percent columns x 100), a rank column per metric (1 = best) and the test period"
          >
            Export CSV
          </button>
        </div>
      </div>
      {allUniverses.length > 1 && (
        <div className="universe-chips" role="group" aria-label="Universes shown">
          <span className="muted small">Universes:</span>
          {allUniverses.map((u) => (
            <label key={u} className="check small" title={describe(u)}>
              <input type="checkbox" checked={!hidden.includes(u)} onChange={() => toggleUniverse(u)} data-testid={`universe-${u}`} />
              {u}
            </label>
          ))}
          <span className="seg layout-seg" role="radiogroup" aria-label="Universes as">
            <span className="muted small">as</span>
            {(['columns', 'rows'] as const).map((l) => (
              <label key={l} className="radio small">
                <input type="radio" name="table-layout" checked={layout === l} onChange={() => setLayout(l)} data-testid={`layout-${l}`} />
                {l === 'columns' ? 'column groups' : 'row blocks'}
              </label>
            ))}
          </span>
        </div>
      )}
      <div className="table-wrap">
        {layout === 'columns' ? (
          <ColumnsTable view={view} describe={describe} />
        ) : (
          <RowsTable view={view} describe={describe} members={members} />
        )}
      </div>
      <p className="table-note muted small">
        <b>Bold</b> = best, <u>underlined</u> = second best per universe and column (↑ higher / ↓ lower is better; needs two or more
        methods). Percent columns are ×100; the benchmark of each universe is its equal-weighted return, or the benchmark file loaded in the
        strategy settings (then the same series for every universe).
      </p>
      <dl className="defs" data-testid="metric-definitions">
        {table.columns.map((c) => (
          <Fragment key={c.key}>
            <dt>{c.label}</dt>
            <dd>{definitions[c.key]}</dd>
          </Fragment>
        ))}
      </dl>
    </div>
  );
}
