/** The split timeline: train / purge / validation / gap / test of every group of the current split on the loaded dates. */
import { useMemo } from 'react';
import { useLab } from '../../state/store';
import { splitTimelineView } from '../../state/views';
import { EChart } from '../charts/EChart';
import { splitTimelineOption } from '../charts/eval-options';
import { ChartCard } from '../components/common';

const KIND: Record<string, string> = {
  walkforward: 'walk-forward, expanding training window',
  rolling: 'rolling monthly window',
  fixed: 'fixed train / validation / test',
};

export function SplitTimeline() {
  const days = useLab((s) => s.summary?.tradingDays);
  const horizons = useLab((s) => s.summary?.horizons);
  const split = useLab((s) => s.run.split);
  const view = useMemo(() => splitTimelineView(days, horizons, split), [days, horizons, split]);
  // while a run of this split trains, its current group is highlighted
  const active = useLab((s) =>
    (s.trainStatus === 'running' || s.trainStatus === 'paused') &&
    s.trainingRun &&
    JSON.stringify(s.trainingRun.split) === JSON.stringify(split)
      ? (s.progress?.group ?? 1) - 1
      : undefined,
  );
  const option = useMemo(
    () =>
      view && days && view.rows.length
        ? splitTimelineOption(view, days, active !== undefined && active < view.groups.length ? active : undefined)
        : null,
    [view, days, active],
  );
  if (!view) return null;
  const G = view.groups.length;
  return (
    <ChartCard
      testId="splits"
      className="split-card"
      title="Split timeline"
      help={
        <>
          {G} group{G === 1 ? '' : 's'} (
          {split.kind === 'walkforward' && (split.trainYears ?? 0) > 0
            ? `walk-forward, training on the last ${split.trainYears} years before validation`
            : KIND[split.kind]}
          ); the gap between validation and test covers the longest label horizon ({Math.max(...(horizons ?? [0]))} days), so no test label
          leaks into training, and the purge drops the same number of training days before validation, so no training label reaches into the
          validation period that picks the epoch.
          {view.test && (
            <>
              {' '}
              Stitched test period <b>{view.test[0]}</b> … <b>{view.test[1]}</b> ({view.testDays} days).
            </>
          )}
          {active !== undefined && <b data-testid="split-active"> Training group {view.groups[active]?.label ?? active + 1} (▶).</b>}
          {view.warnings.length > 0 && <span className="muted"> {view.warnings.join(' ')}</span>}
        </>
      }
      empty={view.error ?? (option ? null : 'The split has no segments on these dates.')}
    >
      {option && (
        <EChart
          id="splits"
          option={option}
          height={Math.min(360, 64 + 22 * G)}
          label="Train, validation, gap and test dates of each split group"
        />
      )}
    </ChartCard>
  );
}
