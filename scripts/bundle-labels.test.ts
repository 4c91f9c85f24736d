/**
 * One name per method: a bundle the headless runner wrote (default labels = model ids) opens, through the page's own
 * path (readBundle, as the worker runs it, then openedResults, as LabApi.openRun and the notebook run it), with the
 * names the page gives its own runs (the registry's display name), in the results table rows, the CSV, every chart
 * series (one line per entry, seeds of one method sharing one), Table 1 and the notebook folder's index; an explicit
 * label stays; colours follow the model id, so renaming changes none; the bundle's own keys (metrics.json, checkpoints) are untouched; a gallery bundle already on disk
 * opens with the display names too.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExperiment, type ExperimentConfig } from './experiment';
import { notebookDataOf } from './notebook';
import { readBundle } from '../src/bundle/read';
import { initParquetNode } from '../src/data/parquet-node';
import { getModel } from '../src/models/registry';
import { MODEL_COLORS } from '../src/models/palette';
import { openedResults, toResult } from '../src/state/lab-api-worker';
import { methodDisplayLabel } from '../src/state/method-labels';
import { relabel } from '../src/state/experiments';
import { icViews, methodViews, resultsCsv, resultsTableView } from '../src/state/views';
import { seedTableView } from '../src/state/paper-tables';
import type { TrainOutput } from '../src/train/protocol';
import { cumOption, icOption } from '../src/ui/charts/options';
import { indexHtml } from '../src/ui/notebook/folder';

const nameOf = (id: string) => {
  try {
    return getModel(id).name;
  } catch {
    return undefined;
  }
};

describe('methodDisplayLabel', () => {
  it('names a runner default label as the page names its own runs; keeps any other label', () => {
    expect(methodDisplayLabel('linear', nameOf)).toBe('Linear');
    // seeded: the runner's `<id>@<seed>` -> `<name>@<seed>` (expandSeeds / seedLabel)
    expect(methodDisplayLabel('factorvae@3', nameOf, { seed: 3 })).toBe('FactorVAE (probabilistic dynamic factor model)@3');
    // a robustness run is marked as the page marks its own (resultLabel: ' · held-out' before the seed)
    expect(methodDisplayLabel('linear@7', nameOf, { seed: 7, holdout: { count: 50 } })).toBe('Linear · held-out@7');
    expect(methodDisplayLabel('ca', nameOf, { seed: 42, holdout: { count: 50 } })).toBe('CA (conditional autoencoder) · held-out');
    // explicit labels, display names and unknown ids stay as they are
    for (const l of ['factorvae-prior', 'factorvae-prior@2', 'Linear', 'dfm-model1', 'ew <b>"IC"</b>', 'nomodel@1'])
      expect(methodDisplayLabel(l, nameOf, { seed: 1 })).toBe(l);
  });
});

// linear, factorvae (default labels) and factorvae-prior (labelled): the FactorVAE paper preset in miniature
const config: ExperimentConfig = {
  name: 'labels',
  run: {
    dataset: { kind: 'synthetic' as const, name: 'synthetic', synthetic: { seed: 5, nStocks: 24, nDays: 400, nFactors: 6, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore' as const, missing: 'fill' as const, industryNeutral: false, minHistory: 20 },
    split: { kind: 'walkforward' as const, groups: 1, gap: 21 },
    strategy: { kind: 'topquantile' as const, groups: 5, rebalance: 5, cost: 0.004, horizon: 5 },
  },
  models: [
    { model: 'linear' },
    { model: 'factorvae', config: { hidden: 4, factors: 2, portfolios: 4, lookback: 5, epochs: 1, batchDates: 8 } },
    {
      model: 'factorvae',
      label: 'factorvae-prior',
      config: { hidden: 4, factors: 2, portfolios: 4, lookback: 5, epochs: 1, batchDates: 8, variant: 'prior' },
    },
  ],
};
const FVAE = 'FactorVAE (probabilistic dynamic factor model)';

describe('a runner bundle opened as the page opens it', () => {
  it('shows display names in the table, CSV, chart series and Table 1; keys and colours stay', async () => {
    expect(getModel('factorvae').name).toBe(FVAE);
    const out = mkdtempSync(join(tmpdir(), 'factor-lab-labels-'));
    await runExperiment(config, out, { backend: 'cpu', log: () => {} });
    // the runner's own keys are its labels, unchanged: metrics.json, checkpoints/<label>/
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(Object.keys(metrics.models)).toEqual(['linear', 'factorvae', 'factorvae-prior']);
    expect(readdirSync(join(out, 'checkpoints')).sort()).toEqual(['factorvae', 'factorvae-prior', 'linear']);

    await initParquetNode();
    const b = readBundle(new Uint8Array(readFileSync(join(out, 'run.flrun.zip'))));
    expect(b.manifest.methods.map((m) => m.label)).toEqual(['linear', 'factorvae', 'factorvae-prior']);
    const methods = b.methods as unknown as { label: string; output: TrainOutput }[];
    const results = openedResults(b.manifest.runKey, methods);
    const names = ['Linear', FVAE, 'factorvae-prior'];
    expect(results.map((r) => r.label)).toEqual(names);
    expect(results.map((r) => r.model)).toEqual(['linear', 'factorvae', 'factorvae']);
    // the bundle's own label is kept where the shown one differs (Save run writes it back; the index looks it up)
    expect(results.map((r) => r.bundleLabel)).toEqual(['linear', 'factorvae', undefined]);
    expect(results.every((r) => r.bundle === b.manifest.runKey)).toBe(true);
    // before this fix the row said 'factorvae-prior' while its series said the model's name: now every place agrees
    for (const r of results) {
      expect(r.metrics.rows.map((x) => x.label)).toEqual([r.label]);
      expect(r.series.map((x) => x.label)).toEqual([r.label]);
      for (const a of r.alternatives ?? []) expect(a.label.startsWith(`${r.label} · `)).toBe(true);
    }
    // the numbers are the runner's: each row's IR is metrics.json's under the bundle's label
    results.forEach((r, i) => expect(r.allMetrics!.ir).toBe(metrics.models[b.manifest.methods[i].label].portfolio.ir));

    // results table and its CSV (method = the shown name, method_id = the model id)
    const view = resultsTableView(results, 'lab')!;
    expect(view.table.methods).toEqual(names);
    expect(view.ids).toEqual(['linear', 'factorvae', 'factorvae']);
    const csv = resultsCsv(view).split('\n');
    expect(csv.slice(1, 4).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      'Linear,linear',
      `${FVAE},factorvae`,
      'factorvae-prior,factorvae',
    ]);

    // chart series: every name is a name of the table; colour = the model's palette colour, the same as before
    // renaming (toResult without the bundle's label) and the same for both FactorVAE entries
    const raw = methods.map(({ output }) => toResult(output));
    const colourOf = (rs: typeof results) =>
      Object.fromEntries(
        methodViews(rs).map((m) => [
          m.method,
          (cumOption([m], null, 'excess') as { series: { itemStyle: { color: string } }[] }).series[0].itemStyle.color,
        ]),
      );
    const opt = cumOption(methodViews(results), null, 'excess') as { series: { name: string; itemStyle: { color: string } }[] };
    // one line per entry: the two FactorVAE entries are two lines (before: keyed by model id, the latest hid the other)
    expect(opt.series.map((s) => s.name)).toEqual(names);
    expect(opt.series[1].itemStyle.color).toBe(opt.series[2].itemStyle.color);
    expect(opt.series.find((s) => s.name === 'Linear')!.itemStyle.color).toBe(MODEL_COLORS.linear);
    expect(colourOf(results)).toEqual(colourOf(raw));
    expect(colourOf(results).factorvae).toBe(MODEL_COLORS.factorvae);

    // the IC chart's daily bars (for the latest result's model) are the latest entry's, as the chart's note says
    const ic = icOption(icViews(results, 2), 2, results[2].model) as { series: { name: string; type: string }[] };
    expect(ic.series.filter((x) => x.type === 'bar').map((x) => x.name)).toEqual(['factorvae-prior daily IC']);

    // the seeds of one method and its holdout run still share one line (the latest), as in the page's own comparisons
    const lin = results[0];
    const again = [relabel(lin, 'Linear@1'), relabel(lin, 'Linear@2'), relabel(lin, 'Linear · held-out@2')];
    expect(methodViews([...again, results[1]]).map((m) => m.label)).toEqual(['Linear · held-out@2', FVAE]);

    // Table 1 (seeds view) rows by the shown names
    expect(seedTableView(results).map((s) => s.method)).toEqual(names);

    // the notebook (npm run notebook) takes the same path, and its folder index finds the runner's numbers
    const nb = notebookDataOf(b);
    expect(nb.results.map((r) => r.label)).toEqual(names);
    const html = indexHtml('t', [{ id: 'labels', data: nb, bundle: new Uint8Array(0) }]);
    const rowOf = (n: string) => html.match(new RegExp(`<tr><td>${n.replace(/[()]/g, '\\$&')}</td><td>([^<]*)</td><td>([^<]*)</td>`));
    expect(rowOf('Linear')![2]).toBe(metrics.models.linear.portfolio.ir.toFixed(2));
    expect(rowOf(FVAE)![2]).toBe(metrics.models.factorvae.portfolio.ir.toFixed(2));
    expect(rowOf('factorvae-prior')![2]).toBe(metrics.models['factorvae-prior'].portfolio.ir.toFixed(2));
    expect(html).not.toContain('<td>linear</td>');
  });

  const gallery = 'public/gallery/dmfm.flrun.zip';
  it.skipIf(!existsSync(gallery))('a gallery bundle already on disk opens with display names', async () => {
    await initParquetNode();
    const bytes = new Uint8Array(readFileSync(gallery));
    const b = readBundle(bytes);
    // written by the runner with default labels (dmfm, linear, ew)
    expect(b.manifest.methods.map((m) => m.label)).toEqual(['dmfm', 'linear', 'ew']);
    const results = openedResults(b.manifest.runKey, b.methods as unknown as { label: string; output: TrainOutput }[]);
    expect(results.map((r) => r.label)).toEqual(['DMFM (deep multi-factor model)', 'Linear', 'EW (equal-weighted)']);
    const models = b.metrics.models as Record<string, { portfolio: { ir: number } }>;
    results.forEach((r) => expect(r.allMetrics!.ir).toBe(models[r.bundleLabel!].portfolio.ir));
    // DMFM's f-hat alternative carries the shown name too
    expect(results[0].alternatives?.map((a) => a.label.split(' · ')[0])).toEqual(['DMFM (deep multi-factor model)']);
  });
});
