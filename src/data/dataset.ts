/**
 * One call from file bytes to a FactorFrame: load each parquet or CSV file into DuckDB, detect its shape (prices,
 * factor panel, sectors), validate it, and build the frame (the factor library for prices, the file's own
 * factors for a panel). Used by the lab worker and the headless runner; the bundled dataset goes through it too.
 */
import { LabError } from '../core/errors';
import type { FactorFrame } from './frame';
import { computeFactorFrame, factorPanelToFrame, type ComputeFactorOptions } from './factors';
import { loadTableFile } from './table-file';
import { detectShape, validateFactorPanel, validatePrices, validateSectors, type ValidationResult } from './schema';
import { describeColumns, type SqlEngine } from './sql-engine';

export interface InputFile { name: string; bytes: Uint8Array }

export interface LoadedDataset { frame: FactorFrame; reports: ValidationResult[] }

/**
 * Load 1 or 2 files: a prices file (+ optional sectors file, any order) or one factor-panel file.
 * `opts` are passed to computeFactorFrame / factorPanelToFrame (start, end, factors, horizons, minStocks, name).
 */
export async function loadDataset(engine: SqlEngine, files: InputFile[], opts: Omit<ComputeFactorOptions, 'prices' | 'sectors'> = {}): Promise<LoadedDataset> {
  if (files.length === 0) throw new LabError('no file given; expected a prices file (+ an optional sectors file) or a factor file');
  const shapes: { file: InputFile; raw: string; shape: ReturnType<typeof detectShape> }[] = [];
  try {
    for (const [i, file] of files.entries()) {
      const raw = `_raw_${i}`;
      await loadTableFile(engine, raw, file.bytes, { fileName: file.name });
      shapes.push({ file, raw, shape: detectShape(describeColumns(engine, raw), file.name) });
    }
    const of = (s: string) => shapes.filter((x) => x.shape === s);
    const [prices, panels, sectors] = [of('prices'), of('factors'), of('sectors')];
    const name = opts.name ?? files.map((f) => f.name).join(' + ');
    if (panels.length === 1 && prices.length === 0 && sectors.length === 0) {
      const v = validateFactorPanel(engine, panels[0].raw, { file: panels[0].file.name, minStocks: opts.minStocks });
      engine.run(`DROP TABLE IF EXISTS ${panels[0].raw}`);
      return { frame: factorPanelToFrame(engine, v.table, { ...opts, columns: v.columns, name }), reports: [v] };
    }
    if (prices.length === 1 && panels.length === 0 && sectors.length <= 1) {
      const reports = [validatePrices(engine, prices[0].raw, { file: prices[0].file.name, minStocks: opts.minStocks })];
      engine.run(`DROP TABLE IF EXISTS ${prices[0].raw}`); // the clean table is a copy: free the raw one
      if (sectors.length === 1) reports.push(validateSectors(engine, sectors[0].raw, { file: sectors[0].file.name, pricesTable: reports[0].table }));
      const frame = computeFactorFrame(engine, { ...opts, prices: reports[0].table, sectors: sectors.length ? reports[1].table : undefined, name });
      return { frame, reports };
    }
    const found = shapes.map((s) => `${s.file.name} (${s.shape})`).join(', ');
    throw new LabError(`cannot combine ${found}; expected one prices file with an optional sectors file, or one factor file`);
  } finally {
    for (const s of shapes) engine.run(`DROP TABLE IF EXISTS ${s.raw}`);
  }
}
