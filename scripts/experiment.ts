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
 *   run.flrun.zip      the run bundle (src/bundle/format.ts): all of the above plus training curves, the split plan
 *                      and the label / return grids re-evaluation needs; the lab's "Open run" reads it.
 *   With --shard i/n (1-based) only the i-th share of the run's jobs is trained (one job = one (model entry, split
 *   group) pair, in the order of src/bundle/part.ts: entry by entry, group by group; shard i takes the jobs j with
 *   j mod n = i - 1) and only part-<i-1>-of-<n>.flrun.zip is written (the finished groups' checkpoints and the run key):
 *   `npm run merge -- parts/*.flrun.zip --out run.flrun.zip` (scripts/merge.ts) puts every group back and runs this
 *   same runner on them (runExperiment with `checkpoints`), which evaluates and writes the bundle.
 *   checkpoints/<model label>/g<k>.json + g<k>.bin   every finished split group (record; scores [H, Dg, N] float32 LE):
 *                      with --resume a stopped run continues from the next group, with the same result as an
 *                      uninterrupted one (checkpoints of another run (runKey) are ignored; without --resume they are
 *                      replaced)
 * Progress goes to stderr.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { defaultRun, type RunConfig } from '../src/core/run';
import type { Panel } from '../src/core/panel';
import { tableToParquet } from '../src/data/parquet';
import { initParquetNode } from '../src/data/parquet-node';
import { selectBackend, type BackendName } from '../src/train/backend';
import { loadPanel } from '../src/train/dataset';
import { nodeDataIO } from '../src/train/node-io';
import { defaultHelperCount } from '../src/data/cross-section-pool';
import { availableParallelism } from 'node:os';
import { lookbackOf, runOnPanel, trainGroups, type RunResult } from '../src/train/runner';
import { evaluateUniverses } from '../src/train/reevaluate';
import { runKey, type GroupCheckpoint } from '../src/train/run-key';
import { bundleRunKey } from '../src/bundle/hash';
import type { TrainProgress } from '../src/train/loop';
import { prepareData } from '../src/train/data';
import { explainMethodFor, explainRun, monthEndPoints, type RunExplanation } from '../src/explain/run';
import { portfolioTable, relevanceTable, scoresTable } from '../src/bundle/tables';
import { buildMetrics, explainSummary, runMetrics, table4, type MethodOutput } from '../src/bundle/metrics';
import { writeBundle } from '../src/bundle/write';
import { BUNDLE_EXT } from '../src/bundle/format';
import { panelFingerprint } from '../src/bundle/hash';
import { jobsOfShard, shardJobs, writePart, type ShardJob } from '../src/bundle/part';
import { labVersion } from '../src/bundle/write';
import { makeSplits } from '../src/data/splits';
import { getModel } from '../src/models/registry';
import { resolveConfig } from '../src/models/common';
import { expandSeeds, parseSeeds } from '../src/eval/seeds';
import { seedsJson, strategyTableOf, table3Json } from '../src/train/paper-tables';

// the tables and metrics.json entries live in src/bundle (one implementation for the runner, the bundle and the browser)
export { scoresTable, portfolioTable, relevanceTable, explainSummary, table4, runMetrics };

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
  /**
   * FactorVAE Table 1: train every model entry once per seed (labels `<label>@<seed>`); metrics.json then carries
   * `seeds`, the Rank IC / Rank ICIR (and IC, ICIR, alpha, IR) mean and std over the seeds per method
   */
  seeds?: number[];
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
export function expandConfig(c: ExperimentConfig & Partial<RunConfig>): {
  name: string;
  runs: { label: string; run: RunConfig; method?: string; seed?: number }[];
} {
  const single = !c.models;
  const base = c.run ?? {};
  const entries: { label: string; run: RunConfig }[] = single
    ? [{ label: c.model ?? defaultRun.model, run: mergeRun(c) }]
    : c.models!.map((m) => ({
        label: m.label ?? m.model,
        run: mergeRun({
          ...base,
          model: m.model,
          config: { ...base.config, ...m.config },
          ...(m.explain !== undefined ? { explain: m.explain } : {}),
        }),
      }));
  if (c.seeds === undefined) return { name: c.name ?? 'experiment', runs: entries };
  const seeds = parseSeeds(c.seeds, 'experiment config "seeds"');
  return {
    name: c.name ?? 'experiment',
    runs: expandSeeds(entries, seeds),
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

/** alpha / IR / IC of the same scores on every universe of the panel (metrics.json's universes; the bundle keeps them all) */
function universesOf(panel: Panel, r: RunResult) {
  const channels = Object.fromEntries((r.channels ?? []).map((c) => [c.spec.name, c.values]));
  return evaluateUniverses(panel, r.run, { scoresByHorizon: r.scoresByHorizon, testIndex: r.testIndex, horizons: r.horizons, channels });
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

export interface ExperimentOptions {
  backend?: BackendName | 'auto';
  only?: string[];
  log?: (s: string) => void;
  baseDir?: string;
  resume?: boolean;
  /**
   * merge of a sharded run (scripts/merge.ts): every group of every run (index of the runs after `only`), from the
   * parts. They are put back as a resume puts back checkpoints, so nothing is trained, and the rest (evaluation,
   * explanations, tables, metrics.json, the bundle) is this runner's, as in an unsharded run.
   */
  checkpoints?: GroupCheckpoint[][];
  /** called once the data is loaded with the run key and the panel's fingerprint (a merge refuses another run's) */
  check?: (run: { runKey: string; fingerprint: string }) => void;
}

/** Load an experiment's data and backend (shared by a whole run and a shard). */
async function loadExperiment(config: ExperimentConfig & Partial<RunConfig>, o: ExperimentOptions, log: (s: string) => void) {
  const { name, runs } = expandConfig(config);
  const todo = o.only ? runs.filter((r) => o.only!.includes(r.label) || o.only!.includes(r.run.model)) : runs;
  if (todo.length === 0) throw new Error(`no model of ${runs.map((r) => r.label).join(', ')} matches --models ${o.only?.join(',')}`);
  const io = nodeDataIO(undefined, { prepHelpers: defaultHelperCount(availableParallelism()) });
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
  return { name, todo, io, first, loaded, panel, choice };
}

/** Run an experiment config; returns the metrics object written to metrics.json. */
export async function runExperiment(config: ExperimentConfig & Partial<RunConfig>, out: string, o: ExperimentOptions = {}) {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  mkdirSync(out, { recursive: true });
  const { name, todo, io, first, loaded, panel, choice } = await loadExperiment(config, o, log);
  o.check?.({ runKey: bundleRunKey(todo.map((r) => runKey(r.run))), fingerprint: panelFingerprint(panel) });
  if (o.checkpoints && o.checkpoints.length !== todo.length)
    throw new Error(`merge: ${o.checkpoints.length} runs of checkpoints for the ${todo.length} runs of the config`);

  const results: { label: string; r: RunResult }[] = [];
  const explained: { label: string; ex: RunExplanation }[] = [];
  for (const [k, { label, run }] of todo.entries()) {
    let last = 0;
    // group checkpoints: read back with --resume (this run's only), otherwise start the directory afresh
    const cdir = checkpointDir(out, label);
    const key = runKey(run);
    let resume: GroupCheckpoint[] = [];
    if (o.checkpoints) resume = o.checkpoints[k];
    else if (o.resume) {
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
        if (o.checkpoints) throw new Error(`merge: group ${cp.groupIndex + 1} (${cp.label}) of ${label} is in no part`);
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
  const methods = results.map(({ label, r }) => {
    const ex = explained.find((e) => e.label === label)?.ex;
    const output: MethodOutput = { ...r, universes: universesOf(panel, r), ...(ex ? { explanation: ex } : {}) };
    return { label, output };
  });
  const created = new Date().toISOString();
  const dataset = { ...first.dataset, notes: loaded.notes, warnings: loaded.warnings };
  const backend = { name: choice.backend, reason: choice.reason, probes: choice.probes };
  const metrics = {
    ...buildMetrics({ name, created, panel, dataset, backend, methods }),
    ...paperTables(panel, results, todo, config.seeds !== undefined, log),
  };
  // the run bundle: everything above plus the training curves, the split plan and the grids re-evaluation needs
  const bundle = writeBundle({
    name,
    producer: 'node',
    created,
    panel,
    dataset,
    backend,
    methods,
    metrics,
    runKey: bundleRunKey(todo.map((r) => runKey(r.run))),
  });
  const bundlePath = join(out, `run${BUNDLE_EXT}`);
  writeFileSync(bundlePath, bundle);
  log(`[experiment] bundle ${bundlePath}: ${(bundle.byteLength / 1048576).toFixed(2)} MB`);
  writeFileSync(join(out, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
  if (metrics.table4) {
    log('[experiment] Table 4 (long-short quintiles; MAE / RMSE at the month ends):');
    for (const t of metrics.table4)
      log(`  ${t.model.padEnd(18)} return ${t.returnPct}%  vol ${t.volatilityPct}%  Sharpe ${t.sharpe}  MAE ${t.mae}  RMSE ${t.rmse}`);
  }
  io.close();
  log(
    `[experiment] wrote ${join(out, 'metrics.json')}, scores.parquet, portfolio.parquet${explained.length ? ', relevance.parquet' : ''}, ${bundlePath}`,
  );
  return metrics;
}

/**
 * FactorVAE's experiment tables for metrics.json: `table3` (TopK-Drop / TDrisk AR, SR, MDD of the excess return) for
 * every run of a TopK-Drop experiment, `robustness` (Table 2: the held-out stocks and the Rank IC / ICIR on them) for
 * holdout runs, and `seeds` (Table 1 over seeds) when the config has seeds.
 */
function paperTables(
  panel: Panel,
  results: { label: string; r: RunResult }[],
  todo: { label: string; method?: string; seed?: number }[],
  seeded: boolean,
  log: (s: string) => void,
) {
  const out: {
    table3?: Record<string, ReturnType<typeof table3Json>>;
    seeds?: ReturnType<typeof seedsJson>;
    robustness?: Record<string, { m: number; of: number; rankIc: number; rankIcir: number; stocks: string[] }>;
  } = {};
  if (results.some(({ r }) => r.run.strategy.kind === 'topkdrop')) {
    out.table3 = {};
    log('[experiment] Table 3 (excess over the benchmark; AR and MDD in %):');
    for (const { label, r } of results) {
      const channels = Object.fromEntries((r.channels ?? []).map((c) => [c.spec.name, c.values]));
      const t = strategyTableOf(panel, r.run, {
        scoresByHorizon: r.scoresByHorizon,
        testIndex: r.testIndex,
        horizons: r.horizons,
        channels,
      });
      out.table3[label] = table3Json(t);
      for (const row of t.rows)
        log(
          `  ${label.padEnd(18)} ${row.label.padEnd(16)} AR ${(row.ar * 100).toFixed(2)}  SR ${row.sr.toFixed(2)}  MDD ${(row.mdd * 100).toFixed(2)}  (${t.scale.note})`,
        );
    }
  }
  // Table 2 (robustness): the held-out stocks and each method's Rank IC / ICIR on them alone
  if (results.some(({ r }) => r.holdout)) {
    out.robustness = {};
    log('[experiment] Table 2 (robustness: evaluated on the held-out stocks only):');
    for (const { label, r } of results) {
      if (!r.holdout) continue;
      const m = r.eval.metrics;
      out.robustness[label] = {
        m: r.holdout.stocks.length,
        of: r.holdout.candidates,
        rankIc: m.rankIc,
        rankIcir: m.rankIcir,
        stocks: r.holdout.stocks,
      };
      log(
        `  ${label.padEnd(18)} m ${r.holdout.stocks.length} of ${r.holdout.candidates}  Rank IC ${m.rankIc.toFixed(4)}  Rank ICIR ${m.rankIcir.toFixed(3)}`,
      );
    }
  }
  if (seeded) {
    const byLabel = new Map(todo.map((t) => [t.label, t]));
    out.seeds = seedsJson(
      results.map(({ label, r }) => ({
        method: byLabel.get(label)?.method ?? label,
        seed: byLabel.get(label)?.seed ?? r.run.seed,
        metrics: r.eval.metrics,
      })),
    );
    log('[experiment] Table 1 over seeds (mean (std)):');
    for (const s of out.seeds)
      log(
        `  ${s.method.padEnd(18)} Rank IC ${s.stats.rankIc.mean} (${s.stats.rankIc.std})  Rank ICIR ${s.stats.rankIcir.mean} (${s.stats.rankIcir.std})  seeds ${s.seeds.join(',')}`,
      );
  }
  return out;
}

/** The jobs of an experiment (src/bundle/part.ts): entry by entry, group by group (a warm-started rolling model: one job). */
export function experimentJobs(panel: Panel, todo: { label: string; run: RunConfig }[]): ShardJob[] {
  return shardJobs(
    todo.map(({ label, run }) => {
      const plan = makeSplits(panel.dates, run.split, panel.horizons);
      const spec = getModel(run.model);
      const cfg = resolveConfig(spec.configSchema, run.config ?? {}, spec.id);
      const warm = plan.kind === 'rolling' && String(cfg.warmStart) === 'true' && spec.trainable;
      return { label, groups: plan.groups.map((g) => g.label), warm };
    }),
  );
}

/**
 * One shard of a sharded run (`--shard i/n`): train the groups of the jobs j with j mod n = index and write
 * part-<index>-of-<n>.flrun.zip (their checkpoints, the run key, the job list and the config) into `out`; with --resume
 * a retried shard keeps the groups it checkpointed before. Returns the part's path and the jobs it ran.
 */
export async function runShard(
  config: ExperimentConfig & Partial<RunConfig>,
  out: string,
  shard: { index: number; count: number },
  o: Omit<ExperimentOptions, 'checkpoints'> = {},
) {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  mkdirSync(out, { recursive: true });
  const { name, todo, io, panel, choice } = await loadExperiment(config, o, log);
  const jobs = experimentJobs(panel, todo);
  const mine = jobsOfShard(jobs, shard.index, shard.count);
  log(`[experiment] shard ${shard.index + 1}/${shard.count}: ${mine.map((j) => j.name).join(', ') || '(no job)'} of ${jobs.length} jobs`);
  const done: GroupCheckpoint[][] = todo.map(() => []);
  for (const [k, { label, run }] of todo.entries()) {
    const groups = mine.filter((j) => j.entry === k).flatMap((j) => j.groups);
    if (!groups.length) continue;
    const cdir = checkpointDir(out, label);
    const key = runKey(run);
    const resume = o.resume ? readCheckpoints(cdir).filter((c) => c.runKey === key && groups.includes(c.groupIndex)) : [];
    if (!o.resume) rmSync(cdir, { recursive: true, force: true });
    if (resume.length) log(`[${label}] resuming: ${resume.map((c) => c.label).join(', ')} from ${cdir}`);
    done[k].push(...resume);
    let last = 0;
    await trainGroups(panel, run, groups, {
      backend: choice,
      resume,
      onGroupDone: (cp) => {
        writeCheckpoint(cdir, cp);
        done[k].push(cp);
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
  }
  const bytes = writePart(
    {
      lab: labVersion,
      name,
      created: new Date().toISOString(),
      runKey: bundleRunKey(todo.map((r) => runKey(r.run))),
      shard,
      jobs,
      entries: todo.map((r) => ({ label: r.label, runKey: runKey(r.run) })),
      config: config as Record<string, unknown>,
      ...(o.only ? { models: o.only } : {}),
      ...(o.baseDir ? { baseDir: o.baseDir } : {}),
      fingerprint: panelFingerprint(panel),
      backend: choice.backend,
    },
    done.map((cps) => cps.sort((a, b) => a.groupIndex - b.groupIndex)),
  );
  const path = join(out, `part-${shard.index}-of-${shard.count}${BUNDLE_EXT}`);
  writeFileSync(path, bytes);
  io.close();
  log(`[experiment] part ${path}: ${mine.length} of ${jobs.length} jobs, ${(bytes.byteLength / 1048576).toFixed(2)} MB`);
  return { path, jobs: mine };
}

/** `--shard i/n`: the i-th of n shares, 1-based on the command line (as array job indices usually are not: see deploy/) */
export function parseShard(s: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  const i = m ? Number(m[1]) : NaN,
    n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw new Error(`--shard ${s}: expected i/n with 1 <= i <= n (e.g. --shard 1/4)`);
  return { index: i - 1, count: n };
}

async function main() {
  const a = args(process.argv.slice(2));
  if (!a.config || !a.out) {
    process.stderr.write(
      'usage: npm run experiment -- --config <run.json> --out <dir> [--backend wasm|cpu|auto] [--models linear,mlp] [--resume] [--shard i/n]\n',
    );
    process.exit(2);
  }
  const config = JSON.parse(readFileSync(a.config, 'utf8'));
  const opts = {
    backend: (a.backend as BackendName | 'auto') || undefined,
    only: a.models ? a.models.split(',') : undefined,
    baseDir: dirname(a.config),
    resume: 'resume' in a,
  };
  if (a.shard !== undefined) await runShard(config, a.out, parseShard(a.shard), { ...opts, baseDir: resolve(opts.baseDir) });
  else await runExperiment(config, a.out, opts);
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
