/**
 * Paper-style results tables: methods x universes x metrics, with the best and second-best value of every
 * (universe, metric) column marked (direction from METRICS: higher is better except drawdown, turnover, errors),
 * exportable as CSV.
 */
import { LabError } from '../core/errors';
import { METRICS, type MetricKey } from './metrics';

export interface ResultRow {
  method: string;
  universe: string;
  metrics: Partial<Record<MetricKey, number>>;
}

export interface TableColumn {
  key: MetricKey;
  label: string;
}

/** Column sets of the four papers' tables (keyed by paper, not by model: a paper's table lists several models). */
export const TABLE_PRESETS: Record<
  'paper-dmfm' | 'paper-e2eai' | 'paper-factorvae' | 'paper-dfm',
  { title: string; columns: TableColumn[] }
> = {
  // DMFM Table 1: alpha(%), ICIR, IR, SR
  'paper-dmfm': {
    title: 'DMFM Table 1',
    columns: [
      { key: 'alpha', label: 'α(%)' },
      { key: 'icir', label: 'ICIR' },
      { key: 'ir', label: 'IR' },
      { key: 'sharpe', label: 'SR' },
    ],
  },
  // E2EAI Table 1: alpha, IR, MD (max active drawdown), TT (turnover; ours is one-way), n (average holdings)
  'paper-e2eai': {
    title: 'E2EAI Table 1',
    columns: [
      { key: 'alpha', label: 'α' },
      { key: 'ir', label: 'IR' },
      { key: 'mdd', label: 'MD' },
      { key: 'turnover', label: 'TT' },
      { key: 'holdings', label: 'n̄' },
    ],
  },
  // FactorVAE Tables 1 and 3: AR, SR, MDD of the excess returns relative to the benchmark, rank IC
  'paper-factorvae': {
    title: 'FactorVAE Tables 1 and 3',
    columns: [
      { key: 'alpha', label: 'AR' },
      { key: 'ir', label: 'SR (excess)' },
      { key: 'mdd', label: 'MDD' },
      { key: 'rankIc', label: 'Rank IC' },
      { key: 'rankIcir', label: 'Rank ICIR' },
    ],
  },
  // Deep Factor Model Table 4: return, volatility, Sharpe of the long-short portfolio, MAE, RMSE
  'paper-dfm': {
    title: 'Deep Factor Model Table 4',
    columns: [
      { key: 'annReturn', label: 'Return' },
      { key: 'vol', label: 'Volatility' },
      { key: 'sharpe', label: 'Sharpe Ratio' },
      { key: 'mae', label: 'MAE' },
      { key: 'rmse', label: 'RMSE' },
    ],
  },
};

export interface TableCell {
  value: number;
  mark: 'best' | 'second' | null;
}

export interface ResultsTable {
  title: string;
  methods: string[];
  universes: string[];
  columns: (TableColumn & { better: 'higher' | 'lower' | 'none'; format: 'pct' | 'ratio' | 'count' | 'number' })[];
  /** [method][universe * columns.length + column] */
  cells: TableCell[][];
}

/**
 * Build the table from one row per (method, universe). Methods and universes keep first-seen order.
 * Marks: per (universe, column), the best value (ties all best) and the next distinct value (second); NaN ignored.
 */
export function buildResultsTable(rows: ResultRow[], columns: TableColumn[] | keyof typeof TABLE_PRESETS, title?: string): ResultsTable {
  const preset = typeof columns === 'string' ? TABLE_PRESETS[columns] : undefined;
  if (typeof columns === 'string' && !preset)
    throw new LabError(`table: unknown preset '${columns}'; expected ${Object.keys(TABLE_PRESETS).join(', ')}.`);
  const cols = (preset ? preset.columns : (columns as TableColumn[])).map((c) => {
    const info = METRICS[c.key];
    if (!info) throw new LabError(`table: unknown metric '${c.key}'.`);
    return { ...c, better: info.better, format: info.format };
  });
  const methods: string[] = [],
    universes: string[] = [];
  for (const r of rows) {
    if (!methods.includes(r.method)) methods.push(r.method);
    if (!universes.includes(r.universe)) universes.push(r.universe);
  }
  const C = cols.length;
  const cells: TableCell[][] = methods.map(() => Array.from({ length: universes.length * C }, () => ({ value: NaN, mark: null })));
  for (const r of rows) {
    const mi = methods.indexOf(r.method),
      ui = universes.indexOf(r.universe);
    cols.forEach((c, ci) => {
      const v = r.metrics[c.key];
      cells[mi][ui * C + ci].value = v === undefined ? NaN : v;
    });
  }
  for (let j = 0; j < universes.length * C; j++) {
    const col = cols[j % C];
    if (col.better === 'none') continue;
    const vals = [...new Set(cells.map((row) => row[j].value).filter(Number.isFinite))].sort((a, b) =>
      col.better === 'higher' ? b - a : a - b,
    );
    for (const row of cells) {
      if (vals.length > 0 && row[j].value === vals[0]) row[j].mark = 'best';
      else if (vals.length > 1 && row[j].value === vals[1]) row[j].mark = 'second';
    }
  }
  return { title: title ?? preset?.title ?? 'Results', methods, universes, columns: cols, cells };
}

/** Display value: 'pct' metrics x 100, fixed digits; '' for NaN. */
export function formatMetric(v: number, format: ResultsTable['columns'][number]['format'], digits = 2): string {
  if (!Number.isFinite(v)) return '';
  if (format === 'pct') return (v * 100).toFixed(digits);
  if (format === 'count') return v.toFixed(Math.min(digits, 1));
  return v.toFixed(digits);
}

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * CSV of a results table. 'wide' (default): one row per method, one column per (universe, metric), paper-formatted
 * values (percent metrics x 100) with best as **v** and second as _v_ when marks is true (default).
 * 'long': method, universe, metric, label, value (full precision, raw units), mark.
 */
export function tableToCsv(t: ResultsTable, opts: { layout?: 'wide' | 'long'; marks?: boolean; digits?: number } = {}): string {
  const C = t.columns.length;
  const lines: string[] = [];
  if ((opts.layout ?? 'wide') === 'long') {
    lines.push('method,universe,metric,label,value,mark');
    t.methods.forEach((m, mi) =>
      t.universes.forEach((u, ui) =>
        t.columns.forEach((c, ci) => {
          const cell = t.cells[mi][ui * C + ci];
          lines.push(
            [m, u, c.key, c.label, Number.isFinite(cell.value) ? String(cell.value) : '', cell.mark ?? ''].map(csvField).join(','),
          );
        }),
      ),
    );
  } else {
    const marks = opts.marks ?? true;
    lines.push(['method', ...t.universes.flatMap((u) => t.columns.map((c) => `${u} ${c.label}`))].map(csvField).join(','));
    t.methods.forEach((m, mi) => {
      const vals = t.cells[mi].map((cell, j) => {
        const s = formatMetric(cell.value, t.columns[j % C].format, opts.digits ?? 2);
        if (!marks || !s || !cell.mark) return s;
        return cell.mark === 'best' ? `**${s}**` : `_${s}_`;
      });
      lines.push([m, ...vals].map(csvField).join(','));
    });
  }
  return lines.join('\n') + '\n';
}
