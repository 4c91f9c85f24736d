/**
 * Portfolio strategy settings (RunConfig.strategy, so they live in the URL too): the papers' four constructions with
 * their parameters, and "Re-evaluate" to apply a change to the stored results without training again.
 */
import { useRef } from 'react';
import { clearBenchmark, loadBenchmarkFile, reevaluateResults, setStrategy, setStrategyKind } from '../../state/actions';
import type { StrategyConfig } from '../../core/run';
import { useLab } from '../../state/store';
import { strategyStale } from '../../state/views';
import { NumberField } from '../components/common';

export const STRATEGY_LABEL: Record<StrategyConfig['kind'], string> = {
  topquantile: 'Top quantile (DMFM)',
  longshort: 'Long-short (Deep Factor Model)',
  topkdrop: 'TopK-Drop (FactorVAE, Qlib)',
  modelweight: 'Model weights (E2EAI)',
};

const STRATEGY_HELP: Record<StrategyConfig['kind'], string> = {
  topquantile:
    'Buy the top group of scores (10 groups = top decile) equally weighted; rebalance every n days; pay the one-way cost on traded value.',
  longshort:
    'Long the top group, short the bottom group (5 groups = quintiles), equally weighted; the benchmark is zero, so excess = the long-short return.',
  topkdrop:
    'Hold k stocks; each rebalance sell at most n of the worst-ranked holdings and buy the best-ranked non-holdings. With a model that predicts σ, rank by μ − η·σ (TDrisk).',
  modelweight: 'Hold the weights the model outputs (here: the scores, normalised), with a per-stock cap.',
};

const bp = (v: number | undefined) => Math.round((v ?? 0) * 1e6) / 100;

/** The execution lag in words, e.g. "trade at the next close (lag 1)"; lag 0 is marked optimistic. */
export function describeLag(lag: number | undefined): string {
  const L = lag ?? 1;
  if (L === 0) return 'trade at the signal close (lag 0, optimistic)';
  return L === 1 ? 'trade at the next close (lag 1)' : `trade ${L} closes later (lag ${L})`;
}

/** One-line description of a strategy, e.g. "top 10% · every 21 days · 40 bp · trade at the next close (lag 1)". */
export function describeStrategy(st: StrategyConfig): string {
  const every = st.rebalance === 1 ? 'daily' : `every ${st.rebalance ?? 21} days`;
  const lag = describeLag(st.lag);
  switch (st.kind) {
    case 'topquantile':
      return `top ${Math.round(100 / (st.groups ?? 10))}% · ${every} · ${bp(st.cost ?? 0.004)} bp · ${lag}`;
    case 'longshort':
      return `long-short ${st.groups ?? 5} groups · ${every} · ${bp(st.cost ?? 0)} bp · ${lag}`;
    case 'topkdrop':
      return `TopK-Drop k ${st.k ?? 50}, n ${st.n ?? 5} · ${every} · ${bp(st.openCost ?? 0.0005)}/${bp(st.closeCost ?? 0.0015)} bp · ${lag}`;
    case 'modelweight':
      return `model weights · cap ${Math.round((st.cap ?? 1) * 100)}% · ${every} · ${bp(st.cost ?? 0.004)} bp · ${lag}`;
  }
}

export function StrategySettings() {
  const st = useLab((s) => s.run.strategy);
  const horizons = useLab((s) => s.summary?.horizons);
  const results = useLab((s) => s.results);
  const reeval = useLab((s) => s.reevalStatus);
  const canReeval = useLab((s) => s.trainStatus !== 'running' && s.trainStatus !== 'paused' && s.trainStatus !== 'cancelling');
  const stale = results.filter((r) => strategyStale(r, st));
  const hOptions = horizons?.length ? horizons : [st.horizon ?? 20];
  const kind = st.kind;
  const benchmark = useLab((s) => s.benchmark);
  const benchBusy = useLab((s) => s.benchmarkStatus === 'loading') || reeval === 'running' || !canReeval;
  const benchInput = useRef<HTMLInputElement>(null);

  return (
    <div className="strategy" data-testid="strategy-settings">
      <div className="strategy-row">
        <div className="field">
          <label htmlFor="strategy-kind">Portfolio</label>
          <select
            id="strategy-kind"
            value={kind}
            onChange={(e) => setStrategyKind(e.target.value as StrategyConfig['kind'])}
            data-testid="strategy-kind"
          >
            {(Object.keys(STRATEGY_LABEL) as StrategyConfig['kind'][]).map((k) => (
              <option key={k} value={k}>
                {STRATEGY_LABEL[k]}
              </option>
            ))}
          </select>
        </div>
        {(kind === 'topquantile' || kind === 'longshort') && (
          <NumberField
            compact
            label="Groups"
            value={st.groups ?? (kind === 'longshort' ? 5 : 10)}
            min={2}
            max={50}
            step={1}
            testId="strategy-groups"
            onCommit={(v) => setStrategy({ groups: Math.round(v) })}
          />
        )}
        {kind === 'topkdrop' && (
          <>
            <NumberField
              compact
              label="k (held)"
              value={st.k ?? 50}
              min={1}
              max={500}
              step={1}
              testId="strategy-k"
              onCommit={(v) => setStrategy({ k: Math.round(v) })}
            />
            <NumberField
              compact
              label="n (swaps)"
              value={st.n ?? 5}
              min={0}
              max={500}
              step={1}
              testId="strategy-n"
              onCommit={(v) => setStrategy({ n: Math.round(v) })}
            />
            <NumberField
              compact
              label="η (TDrisk)"
              value={st.eta ?? 1}
              min={0}
              max={10}
              step={0.1}
              testId="strategy-eta"
              onCommit={(v) => setStrategy({ eta: v })}
            />
          </>
        )}
        {kind === 'modelweight' && (
          <NumberField
            compact
            label="Cap per stock"
            value={Math.round((st.cap ?? 1) * 1000) / 10}
            min={0.1}
            max={100}
            step={0.5}
            suffix="%"
            testId="strategy-cap"
            onCommit={(v) => setStrategy({ cap: v / 100 })}
          />
        )}
        <NumberField
          compact
          label="Rebalance"
          value={st.rebalance ?? (kind === 'topkdrop' ? 1 : 21)}
          min={1}
          max={252}
          step={1}
          suffix="days"
          testId="strategy-rebalance"
          onCommit={(v) => setStrategy({ rebalance: Math.round(v) })}
        />
        {kind === 'topkdrop' ? (
          <>
            <NumberField
              compact
              label="Buy cost"
              value={bp(st.openCost ?? 0.0005)}
              min={0}
              max={200}
              step={0.5}
              suffix="bp"
              testId="strategy-open-cost"
              onCommit={(v) => setStrategy({ openCost: v / 1e4 })}
            />
            <NumberField
              compact
              label="Sell cost"
              value={bp(st.closeCost ?? 0.0015)}
              min={0}
              max={200}
              step={0.5}
              suffix="bp"
              testId="strategy-close-cost"
              onCommit={(v) => setStrategy({ closeCost: v / 1e4 })}
            />
          </>
        ) : (
          <NumberField
            compact
            label="Cost (one-way)"
            value={bp(st.cost ?? (kind === 'longshort' ? 0 : 0.004))}
            min={0}
            max={200}
            step={1}
            suffix="bp"
            testId="strategy-cost"
            onCommit={(v) => setStrategy({ cost: v / 1e4 })}
          />
        )}
        <NumberField
          compact
          label="Execution lag"
          value={st.lag ?? 1}
          min={0}
          max={20}
          step={1}
          suffix="days"
          testId="strategy-lag"
          onCommit={(v) => setStrategy({ lag: Math.round(v) })}
        />
        <div className="field">
          <label htmlFor="strategy-horizon">Label horizon</label>
          <select
            id="strategy-horizon"
            value={st.horizon ?? 20}
            onChange={(e) => setStrategy({ horizon: Number(e.target.value) })}
            data-testid="strategy-horizon"
          >
            {hOptions.map((h) => (
              <option key={h} value={h}>
                {h} day{h > 1 ? 's' : ''}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="field-help">
        {STRATEGY_HELP[kind]} Label horizon: the forward return IC and score groups are judged against. Execution lag: the scores of day t
        are traded at the close of day t + lag and earn from the day after. 1 (default) trades at the next day&apos;s close, like
        Qlib&apos;s backtest trading on the previous day&apos;s prediction; 0 trades at the very close that formed the scores, which is
        optimistic (some factors use that close). A holding with no price for the rest of the data is sold at its last price on its first
        day without one: it earns 0 that day, its weight goes to cash and the sell cost is charged.
        {(st.lag ?? 1) === 0 && <b data-testid="strategy-lag-optimistic"> Lag 0 is optimistic.</b>}
      </p>
      <div className="strategy-row benchmark-row" data-testid="benchmark-row">
        <span>
          Benchmark:{' '}
          <b
            data-testid="benchmark-name"
            title={benchmark ? `${benchmark.rows} daily returns, ${benchmark.first} to ${benchmark.last}` : undefined}
          >
            {benchmark ? benchmark.name : 'equal-weighted universe (default)'}
          </b>
          {benchmark && (
            <span className="muted small">
              {' '}
              · {benchmark.rows} days, {benchmark.first} – {benchmark.last}
            </span>
          )}
        </span>
        <input
          ref={benchInput}
          id="benchmark-file"
          className="sr-only"
          type="file"
          accept=".parquet,.csv,.csv.gz,.tsv,.txt,text/csv,application/octet-stream"
          aria-label="Benchmark file (parquet or CSV)"
          tabIndex={-1}
          data-testid="benchmark-file"
          disabled={benchBusy}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void loadBenchmarkFile(f);
            e.target.value = '';
          }}
        />
        <button
          type="button"
          className="btn small"
          disabled={benchBusy}
          onClick={() => benchInput.current?.click()}
          data-testid="benchmark-load"
        >
          Load benchmark…
        </button>
        {benchmark && (
          <button
            type="button"
            className="btn small"
            disabled={benchBusy}
            onClick={() => void clearBenchmark()}
            data-testid="benchmark-clear"
          >
            Use default
          </button>
        )}
      </div>
      <p className="field-help">
        The benchmark is what the portfolio is measured against (Qlib&apos;s <i>benchmark</i>, e.g. an index such as SPY): excess return, α,
        IR and the cumulative-excess chart use portfolio − benchmark each day. Default: the equal-weighted return of the stocks the
        portfolio could pick from on the previous day (universe members with enough history), a missing return counting as 0 as it does for
        a holding (zero for long-short). Your own: a .parquet or .csv (.csv.gz) file with a <code>date</code> column (yyyy-mm-dd) and either{' '}
        <code>return</code> / <code>ret</code> (daily simple return) or <code>close</code> / <code>price</code> / <code>adj_close</code>{' '}
        (levels; returns are computed), covering every day of the test period. Stored results are re-evaluated against it without
        retraining; it stays when you load another dataset.
      </p>
      {stale.length > 0 && (
        <div className="stale" role="status" data-testid="strategy-stale">
          <span>
            {stale.length === results.length ? 'The results below were' : `${stale.length} of ${results.length} results were`} computed with
            other portfolio settings ({describeStrategy(stale[0].run.strategy)}).
          </span>
          <button
            type="button"
            className="btn small primary"
            disabled={reeval === 'running' || !canReeval}
            onClick={() => void reevaluateResults()}
            data-testid="reevaluate"
          >
            {reeval === 'running'
              ? 'Re-evaluating…'
              : `Re-evaluate ${results.length} method${results.length > 1 ? 's' : ''} (no retraining)`}
          </button>
        </div>
      )}
    </div>
  );
}
