/**
 * Headless experiment runner: the same core as the browser (data -> runOnPanel -> eval) in Node.
 *   npm run experiment -- --config examples/synthetic-quick.json --out results/synth [--backend wasm|cpu] [--models mlp,ew] [--resume]
 * Config: a (partial) RunConfig, or { name?, run: partial RunConfig, models: [{ model, config?, label? }] } to compare
 * several models on one dataset and split. Writes into --out:
 *   metrics.json       per model: per-horizon ic / rank_ic / icir / rank_icir, portfolio metrics (src/eval evaluate),
 *                      the resolved strategy and its execution lag (`lag`: 1 = traded at the next day's close),
 *                      alpha / IR / IC per universe of the panel, DMFM's attention-estimate portfolio (`estimate`),
 *                      groups (dates, best epoch), backend, timings
 *   scores.parquet     date, ticker, model, horizon, score, label   (test dates, stocks in the cross-section)
 *   portfolio.parquet  date, model, portfolio_return, benchmark_return   (holding days of the backtest)
 *   relevance.parquet  date, ticker, model, factor, relevance   (explained runs: `explain: true` in the run or model
 *                      entry, and every Deep Factor Model run unless explain is false; the test period's month ends,
 *                      every stock in the cross-section; LRP or, where LRP cannot pass the model, gradient x input.
 *                      For the LRP epsilon rule two extra rows per stock, factor '(bias)' and '(epsilon)', hold the
 *                      relevance the biases and the stabiliser keep, so a stock's rows sum to its prediction.)
 *   checkpoints/<model label>/g<k>.json + g<k>.bin   every finished split group (record; scores [H, Dg, N] float32 LE):
 *                      with --resume a stopped run continues from the next group, with the same result as an
 *                      uninterrupted one (checkpoints of another run (runKey) are ignored; without --resume they are
 *                      replaced)
 * Progress goes to stderr.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import * as arrow from 'apache-arrow';
import { defaultRun, type RunConfig } from '../src/core/run';
import { isoToDay } from '../src/core/dates';
import type { Panel } from '../src/core/panel';
import { tableToParquet } from '../src/data/parquet';
import { initParquetNode } from '../src/data/parquet-node';
import { selectBackend, type BackendName } from '../src/train/backend';
import { loadPanel } from '../src/train/dataset';
import { nodeDataIO } from '../src/train/node-io';
import { lookbackOf, runOnPanel, type RunResult } from '../src/train/runner';
import { evaluateUniverses } from '../src/train/reevaluate';
import { runKey, type GroupCheckpoint } from '../src/train/run-key';
import type { TrainProgress } from '../src/train/loop';
import { prepareData } from '../src/train/data';
import { explainMethodFor, explainRun, monthEndPoints, type RunExplanation } from '../src/explain/run';
import { groupShares } from '../src/explain/relevance';

export interface ModelEntry {
  model: string;
  config?: RunConfig['config'];
  label?: string;
  explain?: RunConfig['explain'];
}
export interface ExperimentConfig {
  name?: string;
  run?: Partial<RunConfig>;
  models?: ModelEntry[];
  /** for dataset kind 'file': local parquet paths (relative to the config file) of the prices / factor panel and sectors */
  files?: { prices: string; sectors?: string };
}

/** defaultRun with `p` merged one level deep (dataset, preprocessing, split, strategy, config are merged, not replaced) */
export function mergeRun(p: Partial<RunConfig>): RunConfig {
  return {
    ...defaultRun,
    ...p,
    dataset: { ...defaultRun.dataset, ...p.dataset },
    preprocessing: { ...defaultRun.preprocessing, ...p.preprocessing },
    split: { ...defaultRun.split, ...p.split },
    strategy: { ...defaultRun.strategy, ...p.strategy },
    config: { ...p.config },
  };
}

/** The runs of an experiment config: one per model entry (or the single run). */
export function expandConfig(c: ExperimentConfig & Partial<RunConfig>): { name: string; runs: { label: string; run: RunConfig }[] } {
  if (!c.models) return { name: c.name ?? 'experiment', runs: [{ label: c.model ?? defaultRun.model, run: mergeRun(c) }] };
  const base = c.run ?? {};
  return {
    name: c.name ?? 'experiment',
    runs: c.models.map((m) => ({
      label: m.label ?? m.model,
      run: mergeRun({
        ...base,
        model: m.model,
        config: { ...base.config, ...m.config },
        ...(m.explain !== undefined ? { explain: m.explain } : {}),
      }),
    })),
  };
}

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  // --name value, or a flag (--resume) when no value follows
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) continue;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) out[argv[i].slice(2)] = '';
    else {
      out[argv[i].slice(2)] = v;
      i++;
    }
  }
  return out;
}

const dateVector = (days: Int32Array) => arrow.makeVector(arrow.makeData({ type: new arrow.DateDay(), length: days.length, data: days }));
const dictVector = (codes: Int32Array, dict: string[]) => {
  const d = arrow.vectorFromArray(dict, new arrow.Utf8());
  return arrow.makeVector(
    arrow.makeData({ type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), length: codes.length, data: codes, dictionary: d }),
  );
};

/**
 * scores.parquet rows: every (test date, stock in the cross-section, horizon) of every run, with one column per output
 * channel any run has (sigma, weight, alternative scores such as DMFM's fhat; a per-date channel repeats on every
 * horizon's row; NaN for a run without that channel)
 */
export function scoresTable(panel: Panel, results: { label: string; r: RunResult }[]): arrow.Table {
  const T = panel.dates.length,
    N = panel.tickers.length;
  let rows = 0;
  for (const { r } of results) for (let k = 0; k < r.scoresByHorizon.length; k++) if (Number.isFinite(r.scoresByHorizon[k])) rows++;
  const date = new Int32Array(rows),
    ticker = new Int32Array(rows),
    model = new Int32Array(rows),
    horizon = new Int32Array(rows);
  const score = new Float32Array(rows),
    label = new Float32Array(rows);
  const channelNames = [...new Set(results.flatMap(({ r }) => (r.channels ?? []).map((c) => c.spec.name)))];
  const channelCols = Object.fromEntries(channelNames.map((c) => [c, new Float32Array(rows).fill(NaN)]));
  const dayOf = panel.dates.map(isoToDay);
  let i = 0;
  results.forEach(({ r }, m) => {
    const D = r.testIndex.length,
      H = r.horizons.length;
    for (let h = 0; h < H; h++)
      for (let j = 0; j < D; j++) {
        const t = r.testIndex[j];
        for (let n = 0; n < N; n++) {
          const s = r.scoresByHorizon[(h * D + j) * N + n];
          if (!Number.isFinite(s)) continue;
          date[i] = dayOf[t];
          ticker[i] = n;
          model[i] = m;
          horizon[i] = r.horizons[h];
          score[i] = s;
          label[i] = panel.fwd[(h * T + t) * N + n];
          for (const c of r.channels ?? []) channelCols[c.spec.name][i] = c.values[((c.spec.perHorizon ? h : 0) * D + j) * N + n];
          i++;
        }
      }
  });
  return new arrow.Table({
    date: dateVector(date),
    ticker: dictVector(ticker, panel.tickers),
    model: dictVector(
      model,
      results.map((x) => x.label),
    ),
    horizon: arrow.makeVector(horizon),
    score: arrow.makeVector(score),
    label: arrow.makeVector(label),
    ...Object.fromEntries(channelNames.map((c) => [c, arrow.makeVector(channelCols[c])])),
  });
}

/** portfolio.parquet rows: the daily backtest series of every run */
export function portfolioTable(results: { label: string; r: RunResult }[]): arrow.Table {
  const days: number[] = [],
    model: number[] = [],
    port: number[] = [],
    bench: number[] = [];
  results.forEach(({ r }, m) => {
    const s = r.eval.series;
    for (let k = 0; k < s.iso.length; k++) {
      days.push(isoToDay(s.iso[k]));
      model.push(m);
      port.push(s.portfolio[k]);
      bench.push(s.benchmark[k]);
    }
  });
  return new arrow.Table({
    date: dateVector(Int32Array.from(days)),
    model: dictVector(
      Int32Array.from(model),
      results.map((x) => x.label),
    ),
    portfolio_return: arrow.makeVector(Float64Array.from(port)),
    benchmark_return: arrow.makeVector(Float64Array.from(bench)),
  });
}

/** relevance.parquet rows: every explained (month end, stock, factor) of every explained run (see the file comment) */
export function relevanceTable(panel: Panel, explained: { label: string; ex: RunExplanation }[], labels: string[]): arrow.Table {
  const date: number[] = [],
    ticker: number[] = [],
    model: number[] = [],
    factor: number[] = [],
    rel: number[] = [];
  const names = [...new Set(explained.flatMap(({ ex }) => ex.factorNames)), '(bias)', '(epsilon)'];
  const fIdx = new Map(names.map((n, i) => [n, i]));
  for (const { label, ex } of explained) {
    const m = labels.indexOf(label),
      F = ex.factorNames.length;
    const fcodes = ex.factorNames.map((n) => fIdx.get(n)!);
    const withTerms = ex.method === 'lrp-epsilon';
    for (const d of ex.dates) {
      const day = isoToDay(d.date);
      d.stocks.forEach((n, k) => {
        const push = (f: number, v: number) => {
          date.push(day);
          ticker.push(n);
          model.push(m);
          factor.push(f);
          rel.push(v);
        };
        for (let f = 0; f < F; f++) push(fcodes[f], d.relevance[k * F + f]);
        if (withTerms) {
          push(fIdx.get('(bias)')!, d.bias[k]);
          push(fIdx.get('(epsilon)')!, d.eps[k]);
        }
      });
    }
  }
  return new arrow.Table({
    date: dateVector(Int32Array.from(date)),
    ticker: dictVector(Int32Array.from(ticker), panel.tickers),
    model: dictVector(Int32Array.from(model), labels),
    factor: dictVector(Int32Array.from(factor), names),
    relevance: arrow.makeVector(Float32Array.from(rel)),
  });
}

/** metrics.json summary of an explanation: method, Table 5 (mean over dates), the last date's top stock and portfolio */
export function explainSummary(panel: Panel, ex: RunExplanation) {
  const last = ex.dates[ex.dates.length - 1];
  const pct = (a: Float64Array) => Object.fromEntries(ex.groups.map((g, i) => [g, Number.isFinite(a[i]) ? +a[i].toFixed(2) : null]));
  let best = -1;
  if (last)
    last.prediction.forEach((v, k) => {
      if (best < 0 || v > last.prediction[best]) best = k;
    });
  const F = ex.factorNames.length;
  const topStock =
    best >= 0
      ? (() => {
          const rel = last.relevance.subarray(best * F, (best + 1) * F);
          return {
            ticker: panel.tickers[last.stocks[best]],
            prediction: last.prediction[best],
            bias: last.bias[best],
            eps: last.eps[best],
            groupShare: pct(groupShares(rel, ex.factorGroups, ex.groups).share),
          };
        })()
      : null;
  return {
    method: ex.method,
    methodLabel: ex.methodLabel,
    note: ex.note,
    horizon: ex.horizon,
    dates: ex.dates.length,
    quantiles: ex.quantiles,
    table5: ex.table5,
    lastDate: last ? { date: last.date, topStock, portfolioGroupShare: pct(last.portfolioGroups.share) } : null,
    meanAbsResidual: ex.dates.length
      ? ex.dates.reduce((s, d) => s + d.residual.reduce((a, v) => a + Math.abs(v), 0) / Math.max(1, d.residual.length), 0) / ex.dates.length
      : null,
  };
}

/** Table 4 rows (Deep Factor Model paper): annualised long-short return, volatility, Sharpe, MAE, RMSE at the month ends */
export function table4(results: { label: string; r: RunResult }[]) {
  const num = (v: number | undefined, d: number) => (v !== undefined && Number.isFinite(v) ? +v.toFixed(d) : null);
  return results.map(({ label, r }) => ({
    model: label,
    returnPct: num(r.eval.metrics.annReturn * 100, 2),
    volatilityPct: num(r.eval.metrics.vol * 100, 2),
    sharpe: num(r.eval.metrics.sharpe, 2),
    mae: num(r.monthEnd?.mae, 4),
    rmse: num(r.monthEnd?.rmse, 4),
    monthEndIc: num(r.monthEnd?.ic, 4),
    months: r.monthEnd?.dates ?? null,
  }));
}

/** metrics.json entry of one run */
export function runMetrics(label: string, r: RunResult) {
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    label,
    model: r.model.id,
    config: r.model.config,
    seed: r.run.seed,
    backend: { name: r.backend.backend, reason: r.backend.reason },
    evalHorizon: r.evalHorizon,
    horizons: Object.fromEntries(
      r.horizonMetrics.map((m) => [
        String(m.horizon),
        { ic: num(m.ic), rank_ic: num(m.rank_ic), icir: num(m.icir), rank_icir: num(m.rank_icir), dates: m.dates },
      ]),
    ),
    portfolio: Object.fromEntries(Object.entries(r.eval.metrics).map(([k, v]) => [k, num(v)])),
    strategy: r.eval.strategy,
    /** execution lag in trading days: the scores of date t are traded at close t + lag (the strategy's, default 1) */
    lag: r.eval.strategy.lag,
    ...(r.alternatives?.length
      ? {
          alternatives: Object.fromEntries(
            r.alternatives.map((a) => [
              a.name,
              { label: a.label, portfolio: Object.fromEntries(Object.entries(a.eval.metrics).map(([k, v]) => [k, num(v)])) },
            ]),
          ),
        }
      : {}),
    groups: r.groups.map((g) => ({
      label: g.label,
      train: g.train,
      valid: g.valid,
      test: g.test,
      epochs: g.history.epochs.length,
      bestEpoch: g.history.bestEpoch,
      bestValMetric: g.history.bestValMetric,
      stoppedEarly: g.history.stoppedEarly,
    })),
    timings: r.timings,
    warnings: r.warnings,
    ...(r.monthEnd ? { monthEnd: Object.fromEntries(Object.entries(r.monthEnd).map(([k, v]) => [k, num(v)])) } : {}),
  };
}

/** metrics.json: alpha / IR / IC of the same scores on every universe of the panel (the results table's columns) */
function universeMetrics(panel: Panel, r: RunResult) {
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  const channels = Object.fromEntries((r.channels ?? []).map((c) => [c.spec.name, c.values]));
  const us = evaluateUniverses(panel, r.run, {
    scoresByHorizon: r.scoresByHorizon,
    testIndex: r.testIndex,
    horizons: r.horizons,
    channels,
  });
  return Object.fromEntries(
    us.map((u) => [
      u.universe,
      { alpha: num(u.metrics.alpha), ir: num(u.metrics.ir), ic: num(u.metrics.ic), rankIc: num(u.metrics.rankIc) },
    ]),
  );
}

/** JSON replacer / reviver that keep typed arrays (base64 of their bytes) and non-finite numbers (NaN, +-Infinity). */
function typedReplacer(_k: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return { $typed: v.constructor.name, b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  return v;
}
function typedReviver(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object' && '$num' in v) return Number((v as { $num: string }).$num);
  if (v && typeof v === 'object' && '$typed' in v) {
    const { $typed, b64 } = v as { $typed: string; b64: string };
    const C = (globalThis as unknown as Record<string, new (b: ArrayBuffer) => ArrayBufferView>)[$typed];
    const b = Buffer.from(b64, 'base64');
    return new C(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }
  return v;
}

/** checkpoints/<label>/: the label with anything but letters, digits, '.', '_' and '-' replaced */
export const checkpointDir = (out: string, label: string) => join(out, 'checkpoints', label.replace(/[^A-Za-z0-9._-]+/g, '_'));

/** Write one group checkpoint: g<k>.bin (scores [H, Dg, N] float32 LE), then g<k>.json (the rest; its presence = complete). */
export function writeCheckpoint(dir: string, cp: GroupCheckpoint): void {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `g${cp.groupIndex}`);
  writeFileSync(`${base}.bin`, Buffer.from(cp.scores.buffer, cp.scores.byteOffset, cp.scores.byteLength));
  const { scores: _scores, ...meta } = cp;
  writeFileSync(`${base}.json.tmp`, JSON.stringify(meta, typedReplacer));
  renameSync(`${base}.json.tmp`, `${base}.json`);
}

/** Read the group checkpoints of a directory (none when it does not exist), by group index. */
export function readCheckpoints(dir: string): GroupCheckpoint[] {
  if (!existsSync(dir)) return [];
  const out: GroupCheckpoint[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^g(\d+)\.json$/.exec(f);
    if (!m) continue;
    const meta = JSON.parse(readFileSync(join(dir, f), 'utf8'), typedReviver) as Omit<GroupCheckpoint, 'scores'>;
    const b = readFileSync(join(dir, `g${m[1]}.bin`));
    out.push({ ...meta, scores: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer) });
  }
  return out.sort((a, b) => a.groupIndex - b.groupIndex);
}

function progressLine(label: string, p: TrainProgress): string {
  const g = p.groups && p.groups > 1 ? ` group ${(p.group ?? 0) + 1}/${p.groups}` : '';
  if (p.phase === 'fit') return `[${label}]${g} fit (closed form / statistics on the training dates)`;
  const loss = p.lossTerms.loss !== undefined ? ` loss ${p.lossTerms.loss.toFixed(4)}` : '';
  const val = p.valMetric !== null ? ` val ${p.valMetric.toFixed(4)}` : '';
  return `[${label}]${g} ${p.phase} epoch ${p.epoch}/${p.epochs} step ${p.step}/${p.steps}${loss}${val} eta ${p.eta_s.toFixed(0)}s`;
}

/** Run an experiment config; returns the metrics object written to metrics.json. */
export async function runExperiment(
  config: ExperimentConfig & Partial<RunConfig>,
  out: string,
  o: { backend?: BackendName | 'auto'; only?: string[]; log?: (s: string) => void; baseDir?: string; resume?: boolean } = {},
) {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const { name, runs } = expandConfig(config);
  const todo = o.only ? runs.filter((r) => o.only!.includes(r.label) || o.only!.includes(r.run.model)) : runs;
  if (todo.length === 0) throw new Error(`no model of ${runs.map((r) => r.label).join(', ')} matches --models ${o.only?.join(',')}`);
  mkdirSync(out, { recursive: true });
  const io = nodeDataIO();
  const first = todo[0].run;
  for (const r of todo) {
    if (JSON.stringify([r.run.dataset, r.run.preprocessing]) !== JSON.stringify([first.dataset, first.preprocessing]))
      throw new Error(`all models of one experiment share the dataset and preprocessing ("${r.label}" differs)`);
  }
  log(`[experiment] ${name}: loading ${first.dataset.kind} dataset "${first.dataset.name}"`);
  const file = (rel: string) => new Uint8Array(readFileSync(isAbsolute(rel) ? rel : join(o.baseDir ?? process.cwd(), rel)));
  if (first.dataset.kind === 'file' && !config.files)
    throw new Error(`dataset kind 'file' needs "files": { "prices": "<path.parquet>", "sectors"?: "<path.parquet>" } in the config`);
  const bytes = first.dataset.kind === 'file' ? file(config.files!.prices) : undefined;
  const sectors = first.dataset.kind === 'file' && config.files!.sectors ? file(config.files!.sectors) : undefined;
  const loaded = await loadPanel(io, first.dataset, first.preprocessing, bytes, sectors);
  const panel = loaded.panel;
  log(
    `[experiment] panel ${panel.dates.length} dates x ${panel.tickers.length} stocks x ${panel.factorNames.length} factors (${panel.dates[0]}..${panel.dates[panel.dates.length - 1]}), ${(loaded.load_ms / 1000).toFixed(1)} s`,
  );
  for (const w of loaded.warnings) log(`[experiment] warning: ${w}`);
  const forced = o.backend ?? first.backend ?? 'auto';
  const choice = await selectBackend({ forced, candidates: ['wasm', 'cpu'] });
  log(`[experiment] backend ${choice.backend}: ${choice.reason}`);

  const results: { label: string; r: RunResult }[] = [];
  const explained: { label: string; ex: RunExplanation }[] = [];
  for (const { label, run } of todo) {
    let last = 0;
    // group checkpoints: read back with --resume (this run's only), otherwise start the directory afresh
    const cdir = checkpointDir(out, label);
    const key = runKey(run);
    let resume: GroupCheckpoint[] = [];
    if (o.resume) {
      const found = readCheckpoints(cdir);
      resume = found.filter((c) => c.runKey === key);
      const other = found.filter((c) => c.runKey !== key);
      if (other.length)
        log(`[${label}] removing ${other.length} checkpoint(s) of another run (key ${other[0].runKey}; this run is ${key})`);
      for (const c of other) for (const ext of ['json', 'bin']) rmSync(join(cdir, `g${c.groupIndex}.${ext}`), { force: true });
      if (resume.length)
        log(`[${label}] resuming: ${resume.length} of ${resume[0].total} groups from ${cdir} (${resume.map((c) => c.label).join(', ')})`);
    } else rmSync(cdir, { recursive: true, force: true });
    const r = await runOnPanel(panel, run, {
      backend: choice,
      resume,
      onGroupDone: (cp) => {
        writeCheckpoint(cdir, cp);
        log(`[${label}] group ${cp.groupIndex + 1}/${cp.total} (${cp.label}) checkpointed`);
      },
      onProgress: (p) => {
        const now = performance.now();
        if (p.phase === 'validate' || p.phase === 'fit' || now - last > 2000) {
          last = now;
          log(progressLine(label, p));
        }
      },
    });
    const hm = r.horizonMetrics.map((m) => `h${m.horizon} ic ${m.ic.toFixed(4)} rankIC ${m.rank_ic.toFixed(4)}`).join(' | ');
    log(
      `[${label}] done in ${(r.timings.total_ms / 1000).toFixed(1)} s: ${hm}; alpha ${(r.eval.metrics.alpha * 100).toFixed(2)}% IR ${r.eval.metrics.ir.toFixed(2)}`,
    );
    results.push({ label, r });
    if (r.monthEnd)
      log(
        `[${label}] long-short ${(r.eval.metrics.annReturn * 100).toFixed(2)}% vol ${(r.eval.metrics.vol * 100).toFixed(2)}% Sharpe ${r.eval.metrics.sharpe.toFixed(2)}; month ends: MAE ${r.monthEnd.mae.toFixed(4)} RMSE ${r.monthEnd.rmse.toFixed(4)} IC ${r.monthEnd.ic.toFixed(4)}`,
      );
    // explanations (relevance.parquet): asked for, or a Deep Factor Model run
    const wanted = run.explain ?? run.model === 'dfm';
    if (wanted && explainMethodFor(run.model)) {
      const te = performance.now();
      const { points, skipped } = monthEndPoints(panel.dates, r.groups);
      const es = typeof wanted === 'object' ? wanted : {};
      const lookback = lookbackOf(run.model, r.model.config);
      const ex = await explainRun(
        { ...prepareData(panel, { universe: run.universe, factors: run.factors, lookback }), lookback },
        { id: run.model, config: r.model.config, seed: run.seed },
        points,
        r.horizons.indexOf(r.evalHorizon),
        { rule: es.rule, epsilon: es.epsilon },
      );
      explained.push({ label, ex });
      const last = ex.dates[ex.dates.length - 1];
      log(
        `[${label}] explained ${ex.dates.length} month ends (${ex.methodLabel}${skipped ? `; ${skipped} skipped: no weights` : ''}) in ${((performance.now() - te) / 1000).toFixed(1)} s; top quintile ${last?.date}: ${ex.groups.map((g, i) => `${g} ${last?.portfolioGroups.share[i].toFixed(1)}%`).join(', ')}`,
      );
    } else if (wanted) log(`[${label}] not explained: ${run.model} predicts outside tfjs`);
  }

  await initParquetNode();
  writeFileSync(join(out, 'scores.parquet'), tableToParquet(scoresTable(panel, results)));
  writeFileSync(join(out, 'portfolio.parquet'), tableToParquet(portfolioTable(results)));
  if (explained.length)
    writeFileSync(
      join(out, 'relevance.parquet'),
      tableToParquet(
        relevanceTable(
          panel,
          explained,
          results.map((x) => x.label),
        ),
      ),
    );
  const metrics = {
    name,
    created: new Date().toISOString(),
    dataset: {
      ...first.dataset,
      source: panel.source.name,
      T: panel.dates.length,
      N: panel.tickers.length,
      F: panel.factorNames.length,
      start: panel.dates[0],
      end: panel.dates[panel.dates.length - 1],
      horizons: panel.horizons,
      notes: loaded.notes,
      warnings: loaded.warnings,
    },
    split: first.split,
    universe: first.universe,
    backend: { name: choice.backend, reason: choice.reason, probes: choice.probes },
    // the Deep Factor Model paper's Table 4 for rolling runs: long-short return / volatility / Sharpe, month-end MAE / RMSE
    ...(results.some(({ r }) => r.monthEnd) ? { table4: table4(results) } : {}),
    models: Object.fromEntries(
      results.map(({ label, r }) => {
        const ex = explained.find((e) => e.label === label)?.ex;
        return [
          label,
          { ...runMetrics(label, r), universes: universeMetrics(panel, r), ...(ex ? { explain: explainSummary(panel, ex) } : {}) },
        ];
      }),
    ),
  };
  writeFileSync(join(out, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  if (metrics.table4) {
    log('[experiment] Table 4 (long-short quintiles; MAE / RMSE at the month ends):');
    for (const t of metrics.table4)
      log(`  ${t.model.padEnd(18)} return ${t.returnPct}%  vol ${t.volatilityPct}%  Sharpe ${t.sharpe}  MAE ${t.mae}  RMSE ${t.rmse}`);
  }
  io.close();
  log(`[experiment] wrote ${join(out, 'metrics.json')}, scores.parquet, portfolio.parquet${explained.length ? ', relevance.parquet' : ''}`);
  return metrics;
}

async function main() {
  const a = args(process.argv.slice(2));
  if (!a.config || !a.out) {
    process.stderr.write(
      'usage: npm run experiment -- --config <run.json> --out <dir> [--backend wasm|cpu|auto] [--models linear,mlp] [--resume]\n',
    );
    process.exit(2);
  }
  const config = JSON.parse(readFileSync(a.config, 'utf8'));
  await runExperiment(config, a.out, {
    backend: (a.backend as BackendName | 'auto') || undefined,
    only: a.models ? a.models.split(',') : undefined,
    baseDir: dirname(a.config),
    resume: 'resume' in a,
  });
}

const isMain = process.argv[1] && /experiment\.ts$/.test(process.argv[1]);
if (isMain) {
  main().catch((e) => {
    process.stderr.write(
      `[experiment] ${e.name === 'LabError' ? '' : (e.name ?? 'Error') + ': '}${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`,
    );
    process.exit(1);
  });
}
