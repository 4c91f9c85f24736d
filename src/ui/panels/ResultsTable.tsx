/**
 * The paper-style results table: methods x universes x metrics (src/eval/table.ts), best in bold and second best
 * underlined per universe and metric, the metric definitions under it, and a CSV export.
 */
import { Fragment, useMemo } from 'react';
import { formatMetric } from '../../eval/table';
import { useLab, type TablePreset } from '../../state/store';
import { TABLE_PRESET_MENU, csvFileName, resultsCsv, tableViewOf } from '../../state/views';
import { methodColor } from '../colors';

/** CSV text of the table as shown (the same text the Export button downloads); null without results. */
export function currentCsv(): string | null {
  const v = tableViewOf(useLab.getState());
  return v ? resultsCsv(v) : null;
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

const UNIVERSE_HELP: Record<string, string> = { all: 'every stock', top100: '100 largest by dollar volume', next150: 'next 150', rest: 'the rest' };

export function ResultsTable() {
  const results = useLab((s) => s.results);
  const preset = useLab((s) => s.tablePreset);
  const summary = useLab((s) => s.summary);
  const hidden = useLab((s) => s.hiddenUniverses);
  const setPreset = useLab((s) => s.setTablePreset);
  const toggleUniverse = useLab((s) => s.toggleUniverse);
  const view = useMemo(() => tableViewOf({ results, tablePreset: preset, summary, hiddenUniverses: hidden }), [results, preset, summary, hidden]);
  if (!view) return null;
  const { table, ids, allUniverses, definitions } = view;
  const C = table.columns.length;
  const describe = (u: string) => summary?.universes.find((x) => x.name === u)?.description ?? UNIVERSE_HELP[u] ?? u;

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
          <button type="button" className="btn small" onClick={() => downloadCsv()} data-testid="export-csv" title="Download this table as CSV (percent metrics x 100; **best**, _second_)">
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
        </div>
      )}
      <div className="table-wrap">
        <table className="metrics paper" data-testid="metrics-table">
          <caption className="sr-only">
            {table.title}: methods by universe and metric; best value in bold, second best underlined
          </caption>
          <thead>
            {table.universes.length > 1 && (
              <tr>
                <th scope="col" rowSpan={2}>
                  Method
                </th>
                {table.universes.map((u) => (
                  <th key={u} scope="colgroup" colSpan={C} className="ugroup" title={describe(u)}>
                    {u}
                  </th>
                ))}
              </tr>
            )}
            <tr>
              {table.universes.length <= 1 && <th scope="col">Method</th>}
              {table.universes.map((u, ui) =>
                table.columns.map((c, ci) => (
                  <th key={`${u}-${c.key}`} scope="col" className={`num${ci === 0 && ui > 0 ? ' gstart' : ''}`} title={definitions[c.key]}>
                    {c.label}
                    {(c.better === 'higher' || c.better === 'lower') && <span className="better">{c.better === 'higher' ? '↑' : '↓'}</span>}
                  </th>
                )),
              )}
            </tr>
          </thead>
          <tbody>
            {table.methods.map((m, mi) => (
              <tr key={ids[mi]} data-method={ids[mi]}>
                <th scope="row">
                  <span className="dot" style={{ background: methodColor(ids[mi]) }} aria-hidden="true" />
                  {m}
                </th>
                {table.cells[mi].map((cell, j) => {
                  const c = table.columns[j % C];
                  const text = formatMetric(cell.value, c.format, 2);
                  return (
                    <td key={j} className={`num${cell.mark ? ` ${cell.mark}` : ''}${j % C === 0 && j > 0 ? ' gstart' : ''}`} data-mark={cell.mark ?? undefined} data-col={`${table.universes[Math.floor(j / C)]}:${c.key}`}>
                      {text || '–'}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="table-note muted small">
        <b>Bold</b> = best, <u>underlined</u> = second best per universe and column (needs two or more methods). Percent columns are ×100. Hover a header for its definition.
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
