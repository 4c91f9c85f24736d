/**
 * The training ETA and progress, estimated from measured step times and the work left (issue 14, defect 5).
 *
 * The old estimate extrapolated the overall fraction linearly (elapsed x (1 - f) / f). That fraction counts every
 * split group as an equal share and every group as its full epoch budget, so it was wrong in both directions: an early
 * stop made the bar jump (10% -> 50%) and the ETA collapse, expanding walk-forward windows (later groups have more
 * training dates, so more steps per epoch) made it too short, and a resumed run counted its restored groups as time
 * spent. Here:
 *   time per step  = wall time since the first measured step / steps done since (validation passes included)
 *   work left      = steps left in this epoch and group at its expected epochs
 *                    + sum over later groups of expected epochs x their steps per epoch
 *   expected epochs = the budget (max epochs) until a group has finished; then the mean epochs the finished groups
 *                    actually trained (early stopping tends to stop at a similar point), never below the current epoch
 *   steps per epoch of a later group = this group's x (its training days / this group's training days) when known
 * The estimate is `rough` while few steps are measured or when early stopping may end a group sooner and no group has
 * finished yet to say how much sooner; the UI says so. Pure: no DOM, no store.
 */
import type { TrainProgress } from './lab-api';

export interface EtaEstimate {
  /** ms left (null until something has been measured) */
  etaMs: number | null;
  /** work done / (done + left) in [0, 1] */
  fraction: number;
  /** true when the estimate may be far off; `why` says why */
  rough: boolean;
  why?: string;
}

export interface EtaOptions {
  /** relative amount of training data per split group (e.g. training days), index = group - 1 */
  groupWork?: number[];
  /** the model's early-stopping patience (epochs); >= epochs or absent = no early stop */
  patience?: number;
}

interface GroupState {
  steps: number;
  epochsTrained: number;
  finished: boolean;
}

/** minimum measured steps and ms before the time per step is trusted */
const MIN_STEPS = 6;
const MIN_MS = 500;

export class EtaEstimator {
  private groups = new Map<number, GroupState>();
  private firstT: number | null = null;
  private firstDone = 0;
  private firstGroup: number | null = null;
  private last: EtaEstimate = { etaMs: null, fraction: 0, rough: true };

  constructor(private readonly opts: EtaOptions = {}) {}

  /** Feed one progress message (elapsedMs since Train); returns the current estimate. */
  push(p: TrainProgress): EtaEstimate {
    if (p.phase === 'done') return (this.last = { etaMs: 0, fraction: 1, rough: false });
    const G = Math.max(1, p.groups ?? 1);
    const g = Math.min(G, Math.max(1, p.group ?? 1));
    if (p.phase !== 'training' || !(p.steps > 0) || !(p.epochs > 0)) {
      // preparing / evaluating: the training of this group is over when it predicts
      if (p.phase === 'evaluating' && this.groups.has(g)) this.groups.get(g)!.finished = true;
      return this.last;
    }
    if (this.firstGroup === null) this.firstGroup = g;
    // a later group began: every earlier group seen has finished, after the epochs it reached
    for (const [k, st] of this.groups) if (k < g) st.finished = true;
    const cur = this.groups.get(g) ?? { steps: p.steps, epochsTrained: 0, finished: false };
    cur.steps = p.steps;
    cur.epochsTrained = Math.max(cur.epochsTrained, p.epoch - 1 + p.step / p.steps);
    this.groups.set(g, cur);

    const done = this.stepsDone();
    if (this.firstT === null) {
      this.firstT = p.elapsedMs;
      this.firstDone = done;
    }
    const expected = this.expectedEpochs(p.epochs, p.epoch);
    // steps per epoch of group k: measured when seen, else scaled from this group's by the training data it has
    const stepsOf = (k: number): number => {
      const seen = this.groups.get(k);
      if (seen) return seen.steps;
      const w = this.opts.groupWork;
      return w && w[k - 1] > 0 && w[g - 1] > 0 ? (p.steps * w[k - 1]) / w[g - 1] : p.steps;
    };
    let left = Math.max(0, Math.max(expected, cur.epochsTrained) - cur.epochsTrained) * cur.steps;
    for (let k = g + 1; k <= G; k++) left += this.expectedEpochs(p.epochs, 0) * stepsOf(k);
    // restored groups of a resumed run (before the first one trained here) count as done work at their expected size
    let restored = 0;
    for (let k = 1; k < (this.firstGroup ?? 1); k++) restored += this.expectedEpochs(p.epochs, 0) * stepsOf(k);

    const measuredSteps = done - this.firstDone,
      measuredMs = p.elapsedMs - this.firstT;
    const enough = measuredSteps >= MIN_STEPS && measuredMs >= MIN_MS;
    const msPerStep = measuredSteps > 0 ? measuredMs / measuredSteps : NaN;
    const finishedAny = [...this.groups.values()].some((s) => s.finished);
    const mayStopEarly = this.opts.patience !== undefined && this.opts.patience < p.epochs;
    const total = restored + done + left;
    const est: EtaEstimate = {
      etaMs: Number.isFinite(msPerStep) && measuredSteps >= 2 ? left * msPerStep : null,
      fraction: total > 0 ? Math.min(1, (restored + done) / total) : 0,
      rough: !enough || (mayStopEarly && !finishedAny && G > 0),
    };
    if (!enough) est.why = 'few steps measured yet';
    else if (est.rough) est.why = 'early stopping may end the groups sooner; the estimate assumes every epoch is trained';
    return (this.last = est);
  }

  /** steps trained since Train (finished groups at the epochs they reached, plus the current one) */
  private stepsDone(): number {
    let n = 0;
    for (const st of this.groups.values()) n += st.epochsTrained * st.steps;
    return n;
  }

  /** epochs a group is expected to train: the budget, or the mean of the finished groups' (never below `atLeast`) */
  private expectedEpochs(budget: number, atLeast: number): number {
    const fin = [...this.groups.values()].filter((s) => s.finished);
    const e = fin.length ? fin.reduce((a, s) => a + Math.ceil(s.epochsTrained - 1e-9), 0) / fin.length : budget;
    return Math.min(budget, Math.max(e, atLeast));
  }
}
