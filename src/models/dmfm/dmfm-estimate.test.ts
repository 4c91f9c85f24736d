/**
 * The DMFM attention-estimate portfolio through the generic channel path: DMFM declares an output channel 'fhat'
 * (f-hat_k = F a-bar_k, paper eq. 12) of kind 'score'; the runner stitches it over the split groups (RunResult.channels)
 * and evaluates it with the run's own evaluate() call as an alternative (RunResult.alternatives). Checked against an
 * independent recomputation: every group's model rebuilt from its recorded weights, f-hat re-taken from forwardAux (the
 * training path) on its test dates, the IC re-taken with src/eval icSeries on the universe's members.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../train/tf';
import { prepareData } from '../../train/data';
import { plantedPanel } from '../../train/fixtures';
import { disposeBatch, makeBatch } from '../../train/data';
import { runOnPanel } from '../../train/runner';
import { evaluateAlternatives, evaluateScores } from '../../train/reevaluate';
import { dmfmSpec } from './dmfm';
import { icSeries } from '../../eval/ic';
import { seriesStats } from '../../eval/metrics';
import { defaultRun, type RunConfig } from '../../core/run';
import type { SplitPlan } from '../../data/splits';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DMFM: the f-hat portfolio next to the f portfolio', () => {
  const T = 80,
    N = 20;
  const panel = plantedPanel({ T, N, F: 4, horizons: [1, 5], seed: 11, noise: 1, missing: 0.1, nIndustries: 3 });
  // a universe of the even stocks: the evaluation must use its member mask for f-hat as for f
  panel.universes.push({
    name: 'even',
    description: 'even stocks',
    member: Uint8Array.from({ length: T * N }, (_, k) => ((k % N) % 2 === 0 ? 1 : 0)),
  });
  const plan: SplitPlan = {
    kind: 'fixed',
    maxHorizon: 5,
    warnings: [],
    groups: [
      {
        index: 0,
        label: 'g0',
        train: { start: 0, end: 40 },
        valid: { start: 40, end: 48 },
        gap: { start: 48, end: 53 },
        test: { start: 53, end: 65 },
      },
      {
        index: 1,
        label: 'g1',
        train: { start: 0, end: 53 },
        valid: { start: 53, end: 60 },
        gap: { start: 60, end: 65 },
        test: { start: 65, end: 78 },
      },
    ],
  };
  const run: RunConfig = {
    ...defaultRun,
    dataset: { kind: 'synthetic', name: 'planted' },
    model: 'dmfm',
    universe: 'even',
    seed: 3,
    config: { hidden: 8, layers: 1, epochs: 1, batchDates: 8 },
    strategy: { ...defaultRun.strategy, kind: 'topquantile', groups: 5, horizon: 5, rebalance: 5 },
  };

  it('stitches f-hat of the strategy head per group, evaluates it like the scores, IC parity with icSeries', async () => {
    const r = await runOnPanel(panel, run, { plan });
    const D = r.testIndex.length,
      H = r.horizons.length;
    expect(D).toBe(25); // 12 + 13 test dates
    expect(r.channels.map((c) => c.spec)).toEqual([
      { name: 'fhat', kind: 'score', label: 'attention estimate f-hat = F a-bar', perHorizon: true },
    ]);
    const fhat = r.channels[0].values; // [H, D, N]
    expect(r.alternatives.map((a) => a.name)).toEqual(['fhat']);
    const e = { scoresByHorizon: fhat, eval: r.alternatives[0].eval };
    // 'paper' heads on horizons [1, 5]: one head k = 5 scores both panel horizons
    expect(r.groups[0].extras!.headOfHorizon).toEqual({ '1': 5, '5': 5 });
    expect(e.scoresByHorizon.length).toBe(H * D * N);
    // same evaluation dates and strategy as the model's own portfolio
    expect(e.eval.evalIso).toEqual(r.testDates);
    expect(e.eval.evalIso).toEqual(r.eval.evalIso);
    expect(e.eval.series.iso).toEqual(r.eval.series.iso);
    expect(e.eval.strategy).toEqual(r.eval.strategy);

    // independent f-hat: rebuild each group's model from its weights, take f-hat from forwardAux on its test dates
    const d = prepareData(panel, { universe: 'even', factors: run.factors, target: 'zscore' });
    let offset = 0,
      maxDiff = 0,
      finite = 0;
    for (const [gi, g] of plan.groups.entries()) {
      const m = dmfmSpec.build({
        F: d.F,
        horizons: d.horizons,
        seed: run.seed,
        config: r.model.config,
        factorNames: d.factorNames,
        factorGroups: d.factorGroups,
      });
      m.setWeights(r.groups[gi].weights!);
      const test = Array.from({ length: g.test.end - g.test.start }, (_, i) => g.test.start + i);
      const b = makeBatch(d, test, false);
      const aux = m.forwardAux!(b.x, { mask: b.mask, industry: b.industry, training: false });
      const fh = (await aux.aux.fhat.data()) as Float32Array; // [Dg, N, K = 1]
      tf.dispose([aux.scores, ...Object.values(aux.aux)]);
      disposeBatch(b);
      m.dispose();
      for (let h = 0; h < H; h++) {
        for (let j = 0; j < test.length; j++) {
          for (let n = 0; n < N; n++) {
            const want = d.mask[test[j] * N + n] ? fh[j * N + n] : NaN; // f-hat is only defined on the cross-section
            const got = e.scoresByHorizon[(h * D + offset + j) * N + n];
            if (Number.isNaN(want)) {
              expect(got).toBeNaN();
              continue;
            }
            finite++;
            maxDiff = Math.max(maxDiff, Math.abs(got - want));
            // odd stocks are outside the universe: f-hat is only defined on the cross-section
            expect(n % 2).toBe(0);
          }
        }
      }
      offset += test.length;
    }
    expect(finite).toBeGreaterThan(H * D * 5);
    expect(maxDiff).toBeLessThan(1e-5);

    // IC parity: mean over test dates of Pearson(f-hat, fwd h=5) on members AND valid == estimate.eval.metrics.ic
    const h5 = r.horizons.indexOf(5);
    const grid = new Float32Array(T * N).fill(NaN); // [T, N]
    r.testIndex.forEach((t, j) => grid.set(e.scoresByHorizon.subarray((h5 * D + j) * N, (h5 * D + j + 1) * N), t * N));
    const member = panel.universes.find((u) => u.name === 'even')!.member;
    const mask = Uint8Array.from(member, (v, k) => v & panel.valid[k]);
    const s = icSeries(grid, panel.fwd.subarray(h5 * T * N, (h5 + 1) * T * N), N, r.testIndex, mask);
    const ic = seriesStats(s.ic).mean,
      rankIc = seriesStats(s.rankIc).mean;
    expect(Number.isFinite(ic)).toBe(true);
    expect(Math.abs(e.eval.metrics.ic - ic)).toBeLessThan(1e-9);
    expect(Math.abs(e.eval.metrics.rankIc - rankIc)).toBeLessThan(1e-9);
    expect(Array.from(e.eval.ic)).toEqual(Array.from(s.ic));
    // f-hat is not the model's score: a different signal, a different IC series
    expect(Array.from(e.eval.ic)).not.toEqual(Array.from(r.eval.ic));
    expect(Number.isFinite(e.eval.metrics.alpha)).toBe(true);
    expect(e.eval.series.cumExcess.every(Number.isFinite)).toBe(true);

    // re-evaluation (the UI's path) with the run's own strategy reproduces the runner's f-hat evaluation
    const again = evaluateScores(panel, run, { scoresByHorizon: e.scoresByHorizon, testIndex: r.testIndex, horizons: r.horizons });
    expect(again.metrics).toEqual(e.eval.metrics);
    const alt = evaluateAlternatives(panel, run, {
      scoresByHorizon: r.scoresByHorizon,
      testIndex: r.testIndex,
      horizons: r.horizons,
      channels: { fhat },
    });
    expect(alt[0].eval.metrics).toEqual(e.eval.metrics);
  }, 30_000);

  it('models without channels carry none and no alternatives', async () => {
    const r = await runOnPanel(panel, { ...run, model: 'linear', config: {} }, { plan });
    expect(r.channels).toEqual([]);
    expect(r.alternatives).toEqual([]);
  });
});

describe('worker path: TRAIN carries the f-hat evaluation, EVALUATE re-scores it', () => {
  it('EVALUATE with the channels and the run strategy reproduces the alternative; another strategy changes it', async () => {
    const { createDispatcher } = await import('../../train/dispatcher');
    const { nodeWorkerEnv } = await import('../../train/node-io');
    const { ReplyType, RequestType } = await import('../../train/protocol');
    type Reply = import('../../train/protocol').WorkerReply;
    const replies: Reply[] = [];
    const dispatch = createDispatcher(nodeWorkerEnv(), (msg) => {
      replies.push(msg);
    });
    const spec = { kind: 'synthetic' as const, name: 'synthetic', synthetic: { nStocks: 24, nDays: 400, nFactors: 6, alpha: 0.01 } };
    const run: RunConfig = {
      ...defaultRun,
      dataset: spec,
      preprocessing: { ...defaultRun.preprocessing, minHistory: 20 },
      backend: 'cpu',
      model: 'dmfm',
      config: { hidden: 8, layers: 1, epochs: 1, batchDates: 16 },
      split: { kind: 'walkforward', groups: 2, gap: 21 },
      strategy: { ...defaultRun.strategy, horizon: 5, rebalance: 5 },
      explain: false,
    };
    await dispatch({ type: RequestType.TRAIN, requestId: 1, run });
    const done = replies.find((m) => m.requestId === 1 && (m.type === ReplyType.TRAIN_RESULT || m.type === ReplyType.ERROR))!;
    if (done.type !== ReplyType.TRAIN_RESULT)
      throw new Error(`train failed: ${done.type === ReplyType.ERROR ? done.error.message : done.type}`);
    const r = done.result;
    expect(r.groups).toHaveLength(2);
    const e = { scoresByHorizon: r.channels[0].values, eval: r.alternatives[0].eval };
    expect(e.eval.evalIso).toEqual(r.testDates);
    const body = {
      run,
      scoresByHorizon: r.scoresByHorizon,
      testIndex: r.testIndex,
      horizons: r.horizons,
      channels: { fhat: e.scoresByHorizon },
    };
    await dispatch({ type: RequestType.EVALUATE, requestId: 2, ...body });
    const same = replies.find((m) => m.requestId === 2)!;
    if (same.type !== ReplyType.EVAL_RESULT)
      throw new Error(`evaluate failed: ${same.type === ReplyType.ERROR ? same.error.message : same.type}`);
    expect(same.result.eval.metrics).toEqual(r.eval.metrics);
    expect(same.result.alternatives.map((a) => a.name)).toEqual(['fhat']);
    // the alternative on every universe of the panel too (its rows in the results table)
    expect(same.result.alternatives[0].universes!.map((u) => u.universe)).toEqual(same.result.universes.map((u) => u.universe));
    expect(same.result.alternatives[0].universes!.find((u) => u.universe === 'all')!.metrics.ic).toBe(e.eval.metrics.ic);
    expect(same.result.alternatives[0].eval.metrics).toEqual(e.eval.metrics);
    // horizon 20 (a trained head) and monthly rebalancing: the f-hat portfolio is evaluated with the new strategy
    const other = { ...run, strategy: { ...run.strategy, horizon: 20, rebalance: 21 } };
    await dispatch({ type: RequestType.EVALUATE, requestId: 3, ...body, run: other });
    const moved = replies.find((m) => m.requestId === 3)!;
    if (moved.type !== ReplyType.EVAL_RESULT)
      throw new Error(`evaluate failed: ${moved.type === ReplyType.ERROR ? moved.error.message : moved.type}`);
    expect(moved.result.alternatives[0].eval.settings.horizon).toBe(20);
    expect(moved.result.alternatives[0].eval.strategy.rebalance).toBe(21);
    expect(moved.result.alternatives[0].eval.metrics.ic).not.toBe(e.eval.metrics.ic);
    // without the channel there is no alternative evaluation
    await dispatch({ type: RequestType.EVALUATE, requestId: 4, ...body, channels: undefined });
    const plain = replies.find((m) => m.requestId === 4)!;
    expect(plain.type === ReplyType.EVAL_RESULT && plain.result.alternatives).toEqual([]);
  }, 60_000);
});
