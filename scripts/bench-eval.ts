// Eval benchmark: full metrics + the three paper strategies (top-decile, quintile long-short, TopK-Drop)
// over 20 years x 400 stocks (5000 dates) of synthetic scores / returns. Target: under 2 s in Node.
// Run alone: npx tsx scripts/bench-eval.ts
import { makeRng } from '../src/core/rng';
import { evaluate, evaluateStrategies, type EvalInput } from '../src/eval/evaluate';
import { signalAnalysis } from '../src/eval/ic';
import type { StrategyConfig } from '../src/core/run';

interface Figure {
  name: string;
  runtime: 'node';
  value: number;
  unit: string;
}

/** A synthetic panel: returns N(0, 2%), a score with a small edge on the next day's return, 1% suspended cells. */
export function syntheticEvalInput(T = 5000, N = 400, seed = 1): EvalInput {
  const rng = makeRng(seed);
  const dates: string[] = [];
  for (let d = new Date('2000-01-03T00:00:00Z'); dates.length < T; d.setUTCDate(d.getUTCDate() + 1)) {
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) dates.push(d.toISOString().slice(0, 10));
  }
  const ret = new Float32Array(T * N),
    scores = new Float32Array(T * N),
    labels = new Float32Array(T * N);
  const tradable = new Uint8Array(T * N),
    member = new Uint8Array(T * N);
  for (let i = 0; i < T * N; i++) {
    ret[i] = 0.02 * rng.normal();
    tradable[i] = rng.uniform() < 0.99 ? 1 : 0;
    member[i] = 1;
    if (!tradable[i]) ret[i] = NaN;
  }
  for (let t = 0; t < T; t++)
    for (let n = 0; n < N; n++) {
      const next = t + 1 < T ? ret[(t + 1) * N + n] : NaN;
      labels[t * N + n] = next;
      scores[t * N + n] = (Number.isFinite(next) ? (0.05 * next) / 0.02 : 0) + rng.normal();
    }
  return { dates, scores, labels, ret, tradable, member };
}

const time = (f: () => void) => {
  const t0 = performance.now();
  f();
  return (performance.now() - t0) / 1000;
};

export async function benchEvalNode(): Promise<Figure[]> {
  const T = 5000,
    N = 400;
  const input = syntheticEvalInput(T, N);
  const strategies: [string, StrategyConfig][] = [
    ['top-decile', { kind: 'topquantile', groups: 10, rebalance: 21, cost: 0.004 }],
    ['long-short quintile', { kind: 'longshort', groups: 5, rebalance: 21 }],
    ['TopK-Drop k50 n5', { kind: 'topkdrop', k: 50, n: 5 }],
  ];
  // warm-up (JIT) on a small panel, then the timed runs
  evaluateStrategies(
    syntheticEvalInput(300, N, 2),
    strategies.map(([, s]) => s),
  );
  const figs: Figure[] = [];
  const all = Int32Array.from({ length: T }, (_, t) => t);
  figs.push({
    name: `eval IC + rank IC + deciles ${T}x${N}`,
    runtime: 'node',
    value: time(() => signalAnalysis(input.scores, input.labels!, N, all, 10, input.member)),
    unit: 's',
  });
  for (const [name, s] of strategies) {
    let alpha = NaN;
    const sec = time(() => {
      alpha = evaluate(input, s).metrics.alpha;
    });
    if (!Number.isFinite(alpha)) throw new Error(`bench-eval: ${name} produced a non-finite alpha`);
    figs.push({ name: `eval evaluate() ${name} ${T}x${N}`, runtime: 'node', value: sec, unit: 's' });
  }
  // the headline: every metric for all three strategies, the IC family computed once (evaluateStrategies)
  let n = 0;
  const total = time(() => {
    n = evaluateStrategies(
      input,
      strategies.map(([, s]) => s),
    ).length;
  });
  if (n !== 3) throw new Error('bench-eval: expected three results');
  figs.push({ name: `eval full metrics + 3 strategies ${T}x${N}`, runtime: 'node', value: total, unit: 's' });
  figs.push(benchSignalViews());
  return figs;
}

/**
 * The signal tear-sheet views' own cost (evaluate's opt-in `signal`): evaluate() of the top-decile strategy with the
 * views minus without, on 1000 dates x 400 stocks with 6 forward-return horizons and 11 industries; best of 3 each.
 */
export function benchSignalViews(): Figure {
  const T = 1000,
    N = 400,
    horizons = [1, 3, 5, 10, 15, 20];
  const base = syntheticEvalInput(T, N, 3);
  const fwd = new Float32Array(horizons.length * T * N);
  for (let h = 0; h < horizons.length; h++) fwd.set(base.labels as Float32Array, h * T * N);
  const industry = Int32Array.from({ length: T * N }, (_, i) => (i % N) % 11);
  const input: EvalInput = {
    ...base,
    labels: undefined,
    fwd,
    horizons,
    industry,
    industryNames: Array.from({ length: 11 }, (_, k) => `ind${k}`),
  };
  const st: StrategyConfig = { kind: 'topquantile', groups: 10, rebalance: 21, cost: 0.004, horizon: 20 };
  const best = (f: () => void) => Math.min(time(f), time(f), time(f));
  const without = best(() => evaluate(input, st));
  let groups = 0;
  const withViews = best(() => {
    groups = evaluate(input, st, { signal: true }).signal!.quantiles.groups;
  });
  if (groups !== 5) throw new Error('bench-eval: the signal views did not come back');
  return { name: 'eval tear-sheet views (1000 dates x 400 stocks)', runtime: 'node', value: Math.max(0, withViews - without), unit: 's' };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void benchEvalNode().then((figs) => {
    for (const f of figs) console.log(`${f.name.padEnd(48)} ${f.value.toFixed(3)} ${f.unit}`);
  });
}
