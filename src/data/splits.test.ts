import { describe, expect, it } from 'vitest';
import type { SplitConfig } from '../core/run';
import { LabError } from '../core/errors';
import { checkSplits, makeSplits, monthEnds, splitTimeline, stitchedTestMask, testGroupOfDate, type SplitPlan } from './splits';

/** Weekdays from start to end (ISO), as a stand-in trading calendar. */
function weekdays(start: string, end: string): string[] {
  const out: string[] = [];
  for (let d = new Date(start + 'T00:00:00Z'); d <= new Date(end + 'T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

const dates = weekdays('2010-01-01', '2019-12-31');
const HORIZONS = [1, 3, 5, 10, 15, 20];

/**
 * Independent brute-force leakage check: every train / valid date t and every horizon h has t + 1 + h <= test start;
 * and every training label window [t+1, t+1+h] (the prices the label of t uses) shares no date with the prices any
 * validation label uses ([v+1, v+1+h] for each validation date v) and ends by the first validation date (the close at
 * which the first validation prediction is made).
 */
function bruteForceNoLeak(plan: SplitPlan, horizons: number[]) {
  const violations: string[] = [];
  const H = Math.max(...horizons);
  for (const g of plan.groups) {
    const trainDates = g.trainSamples
      ? Array.from(g.trainSamples)
      : Array.from({ length: g.train.end - g.train.start }, (_, i) => g.train.start + i);
    if (g.valid.end > g.valid.start) {
      const validPrices = new Set<number>();
      for (let v = g.valid.start; v < g.valid.end; v++) for (let u = v + 1; u <= v + 1 + H; u++) validPrices.add(u);
      for (const t of trainDates) {
        if (t >= g.valid.start && t < g.valid.end) violations.push(`${g.label}: train date ${t} is a validation date`);
        for (const h of horizons) {
          for (let u = t + 1; u <= t + 1 + h; u++)
            if (validPrices.has(u)) {
              violations.push(`${g.label}: train date ${t} horizon ${h} uses price ${u} of a validation label`);
              break;
            }
          if (t + 1 + h > g.valid.start)
            violations.push(`${g.label}: train date ${t} horizon ${h} reaches ${t + 1 + h} > validation start ${g.valid.start}`);
        }
      }
    }
    const seen = new Uint8Array(g.test.end);
    for (const s of [g.train, g.valid]) seen.fill(1, s.start, s.end);
    for (let t = g.test.start; t < g.test.end; t++) if (seen[t]) violations.push(`${g.label}: test date ${t} in train/valid`);
    for (let t = 0; t < seen.length; t++) {
      if (!seen[t]) continue;
      // label of t uses prices up to t + 1 + h; the prediction at the test start is made at its close
      for (const h of horizons)
        if (t + 1 + h > g.test.start) violations.push(`${g.label}: date ${t} horizon ${h} reaches ${t + 1 + h} > ${g.test.start}`);
    }
    if (g.gap.end - g.gap.start < Math.max(...horizons))
      violations.push(`${g.label}: gap ${g.gap.end - g.gap.start} < ${Math.max(...horizons)}`);
  }
  expect(violations).toEqual([]);
}

describe('walk-forward (DMFM / E2EAI)', () => {
  it("reproduces DMFM's first group: train 2010-01..2015-06, valid 2015-07..2015-11, test 2016H1", () => {
    const plan = makeSplits(dates, { kind: 'walkforward', start: '2016-01-01', groups: 2 }, HORIZONS);
    expect(plan.groups.length).toBe(2);
    const [g0, g1] = plan.groups;
    expect(g0.label).toBe('2016H1');
    expect(dates[g0.train.start]).toBe('2010-01-01');
    // purge: the last 20 (= longest horizon) dates before validation, 2015-06-03..06-30, leave training
    expect(dates[g0.train.end - 1]).toBe('2015-06-02');
    expect(g0.purge).toEqual({ start: g0.train.end, end: g0.valid.start });
    expect(dates[g0.purge!.start]).toBe('2015-06-03');
    expect(g0.valid.start - g0.train.end).toBe(20);
    expect(dates[g0.valid.start]).toBe('2015-07-01');
    expect(dates[g0.valid.end - 1]).toBe('2015-11-30'); // the last month (December) is the gap
    expect(dates[g0.gap.start]).toBe('2015-12-01');
    expect(dates[g0.test.start]).toBe('2016-01-01');
    expect(dates[g0.test.end - 1]).toBe('2016-06-30');
    // the training window expands by six months; tests are consecutive half-years
    expect(g1.label).toBe('2016H2');
    expect(dates[g1.train.end - 1]).toBe('2015-12-03'); // 2015-12-04..12-31 (20 weekdays) purged
    expect(g1.test.start).toBe(g0.test.end);
    expect(dates[g1.test.end - 1]).toBe('2016-12-30');
    expect(checkSplits(plan, HORIZONS, dates.length)).toEqual([]);
  });

  it('trainYears keeps a fixed-length training window of whole half-years before validation', () => {
    // test 2019H1: validation half-year 2018H2; 2.5 years = 5 half-years before it: 2016H1..2018H1
    const plan = makeSplits(dates, { kind: 'walkforward', groups: 2, trainYears: 2.5 }, HORIZONS);
    const [g0, g1] = plan.groups;
    expect(g0.label).toBe('2019H1');
    expect(dates[g0.train.start]).toBe('2016-01-01');
    expect(dates[g0.train.end - 1]).toBe('2018-06-01'); // then the 20-day purge 2018-06-04..06-29
    // the window slides by a half-year: 2016H2..2018H2 for test 2019H2
    expect(dates[g1.train.start]).toBe('2016-07-01');
    expect(dates[g1.train.end - 1]).toBe('2018-12-03'); // purge 2018-12-04..12-31
    // expanding (trainYears 0 / absent) starts at the first date
    expect(makeSplits(dates, { kind: 'walkforward', groups: 2, trainYears: 0 }, HORIZONS).groups[0].train.start).toBe(0);
    // a window longer than the history is clipped at the first date
    expect(makeSplits(dates, { kind: 'walkforward', start: '2012-01-01', groups: 1, trainYears: 5 }, HORIZONS).groups[0].train.start).toBe(
      0,
    );
    // below one half-year: one half-year, with a warning
    const tiny = makeSplits(dates, { kind: 'walkforward', groups: 1, trainYears: 0.2 }, HORIZONS);
    expect(dates[tiny.groups[0].train.start]).toBe('2018-07-02');
    expect(tiny.warnings.join(' ')).toMatch(/less than one half-year/);
    expect(checkSplits(plan, HORIZONS, dates.length)).toEqual([]);
  });

  it('a configured gap shorter than the longest horizon is raised to it (with a warning)', () => {
    const plan = makeSplits(dates, { kind: 'walkforward', start: '2016-01-01', groups: 1, gap: 5 }, HORIZONS);
    expect(plan.groups[0].gap.end - plan.groups[0].gap.start).toBe(20);
    expect(plan.warnings.join(' ')).toMatch(/raised from 5 to 20/);
    const wide = makeSplits(dates, { kind: 'walkforward', start: '2016-01-01', groups: 1, gap: 40 }, HORIZONS);
    expect(wide.groups[0].gap.end - wide.groups[0].gap.start).toBe(40);
  });

  it('groups without a start take the last half-years; groups 0 takes all with a year of training', () => {
    const last2 = makeSplits(dates, { kind: 'walkforward', groups: 2 }, HORIZONS);
    expect(last2.groups.map((g) => g.label)).toEqual(['2019H1', '2019H2']);
    const all = makeSplits(dates, { kind: 'walkforward', groups: 0 }, HORIZONS);
    expect(all.groups[0].label).toBe('2011H2');
    expect(all.groups.length).toBe(17);
  });

  it('stitched test mask and group-of-date cover exactly the test segments, in order', () => {
    const plan = makeSplits(dates, { kind: 'walkforward', start: '2017-01-01' }, HORIZONS);
    const mask = stitchedTestMask(plan, dates.length);
    const gid = testGroupOfDate(plan, dates.length);
    const first = plan.groups[0].test.start;
    for (let t = 0; t < dates.length; t++) {
      expect(mask[t]).toBe(t >= first ? 1 : 0);
      if (t >= first) expect(plan.groups[gid[t]].test.start).toBeLessThanOrEqual(t);
    }
    expect(plan.groups.length).toBe(6);
  });

  it('a start without enough history is a LabError naming the need', () => {
    expect(() => makeSplits(dates, { kind: 'walkforward', start: '2010-03-01' }, HORIZONS)).toThrow(LabError);
    expect(() => makeSplits(dates, { kind: 'walkforward', start: '2010-03-01' }, HORIZONS)).toThrow(/half-year/);
  });
});

describe('rolling 60-month (Deep Factor Model)', () => {
  const me = monthEnds(dates);

  it('month ends are the last weekday of each month', () => {
    expect(me.length).toBe(120);
    expect(dates[me[0]]).toBe('2010-01-29');
    expect(dates[me[119]]).toBe('2019-12-31');
  });

  it('each window sees only the previous 60 month-end cross-sections, labels realised before the test', () => {
    const plan = makeSplits(dates, { kind: 'rolling', windowMonths: 60 }, [20]);
    // first prediction needs 60 previous month ends: month-end index 60 = 2015-01; the last month has no holding month
    expect(plan.groups[0].label).toBe('2015-01');
    expect(plan.groups.length).toBe(59);
    plan.groups.forEach((g, i) => {
      const j = 60 + i;
      expect(g.test.start).toBe(me[j]);
      expect(g.test.end).toBe(me[j + 1]);
      expect(g.train.start).toBe(me[j - 60]);
      const samples = Array.from(g.trainSamples!);
      // only month ends j-60 .. j-1, and only those whose 20-day label ends by the test date
      for (const s of samples) {
        const k = Array.from(me).indexOf(s);
        expect(k).toBeGreaterThanOrEqual(j - 60);
        expect(k).toBeLessThan(j);
        expect(s + 1 + 20).toBeLessThanOrEqual(g.test.start);
      }
      expect(samples.length).toBeGreaterThanOrEqual(59);
      expect(samples.length).toBeLessThanOrEqual(60);
      // j-1 is dropped exactly when the month has fewer than 21 trading days after it
      expect(samples.includes(me[j - 1])).toBe(me[j - 1] + 21 <= me[j]);
    });
    expect(checkSplits(plan, [20], dates.length)).toEqual([]);
  });

  it('a start inside the first 60 months clips the window with a warning', () => {
    const plan = makeSplits(dates, { kind: 'rolling', windowMonths: 60, start: '2012-01-01', groups: 3 }, [5]);
    expect(plan.groups.length).toBe(3);
    expect(plan.groups[0].train.start).toBe(me[0]);
    expect(plan.warnings.join(' ')).toMatch(/shorter than 60 months/);
  });
});

describe('fixed years (FactorVAE)', () => {
  it('explicit boundaries; the last validation dates become the gap', () => {
    const plan = makeSplits(dates, { kind: 'fixed', trainEnd: '2016-12-31', validEnd: '2017-12-31', testEnd: '2019-12-31' }, HORIZONS);
    const g = plan.groups[0];
    expect(dates[g.train.start]).toBe('2010-01-01');
    expect(dates[g.train.end - 1]).toBe('2016-12-02'); // the purge 2016-12-05..12-30 (20 weekdays) leaves training
    expect(g.valid.start - g.train.end).toBe(20);
    expect(dates[g.valid.start]).toBe('2017-01-02');
    expect(g.gap.end - g.gap.start).toBe(20);
    expect(dates[g.test.start]).toBe('2018-01-01');
    expect(g.test.end).toBe(dates.length);
  });

  it('one boundary without the other is a LabError', () => {
    expect(() => makeSplits(dates, { kind: 'fixed', trainEnd: '2016-12-31' }, HORIZONS)).toThrow(/needs both trainEnd and validEnd/);
  });

  it('default: last two years test, the year before validation', () => {
    const g = makeSplits(dates, { kind: 'fixed' }, HORIZONS).groups[0];
    expect(dates[g.test.start]).toBe('2018-01-01');
    expect(dates[g.valid.start]).toBe('2017-01-02');
  });
});

describe('property: no split lets a test date or its future into training or validation', () => {
  const configs: SplitConfig[] = [
    { kind: 'walkforward', groups: 0 },
    { kind: 'walkforward', groups: 4, gap: 1 },
    { kind: 'walkforward', start: '2013-07-01', gap: 30 },
    { kind: 'walkforward', groups: 6, trainYears: 1 },
    { kind: 'rolling', windowMonths: 60 },
    { kind: 'rolling', windowMonths: 12, groups: 24 },
    { kind: 'rolling', windowMonths: 36, gap: 3 },
    { kind: 'fixed' },
    { kind: 'fixed', trainEnd: '2014-06-30', validEnd: '2014-07-31', testEnd: '2016-12-31' },
  ];
  const horizonSets = [[1], [5], [20], [1, 3, 5, 10, 15, 20], [63]];
  for (const cfg of configs) {
    for (const hs of horizonSets) {
      it(`${JSON.stringify(cfg)} horizons ${hs.join(',')}`, () => {
        const plan = makeSplits(dates, cfg, hs);
        expect(plan.groups.length).toBeGreaterThan(0);
        bruteForceNoLeak(plan, hs);
        expect(checkSplits(plan, hs, dates.length)).toEqual([]);
        // test segments do not overlap and ascend
        for (let i = 1; i < plan.groups.length; i++) expect(plan.groups[i].test.start).toBeGreaterThanOrEqual(plan.groups[i - 1].test.end);
      });
    }
  }

  it('checkSplits catches a plan without the purge before validation', () => {
    const plan = makeSplits(dates, { kind: 'walkforward', groups: 1 }, [20]);
    const g = plan.groups[0];
    const unpurged: SplitPlan = {
      ...plan,
      groups: [{ ...g, train: { start: g.train.start, end: g.valid.start }, purge: { start: g.valid.start, end: g.valid.start } }],
    };
    expect(checkSplits(unpurged, [20], dates.length)).toEqual([
      `group ${g.label}: horizon 20: label of training date ${g.valid.start - 1} reaches date ${g.valid.start + 20} > validation start ${g.valid.start}`,
    ]);
    // one date short of the purge is caught too
    const short: SplitPlan = {
      ...plan,
      groups: [{ ...g, train: { start: g.train.start, end: g.train.end + 1 }, purge: { start: g.train.end + 1, end: g.valid.start } }],
    };
    expect(checkSplits(short, [20], dates.length).length).toBe(1);
  });

  it('checkSplits catches a leaking plan', () => {
    const plan = makeSplits(dates, { kind: 'walkforward', groups: 1 }, [20]);
    const g = plan.groups[0];
    const leaky: SplitPlan = {
      ...plan,
      groups: [{ ...g, valid: { start: g.valid.start, end: g.test.start - 3 }, gap: { start: g.test.start - 3, end: g.test.start } }],
    };
    expect(checkSplits(leaky, [20], dates.length).length).toBeGreaterThan(0);
  });
});

describe('timeline chart data', () => {
  it('one row per non-empty segment per group with inclusive ISO ends', () => {
    const plan = makeSplits(dates, { kind: 'walkforward', start: '2016-01-01', groups: 1 }, [20]);
    const rows = splitTimeline(plan, dates);
    expect(rows.map((r) => r.segment)).toEqual(['train', 'purge', 'valid', 'gap', 'test']);
    expect(rows[1]).toMatchObject({ from: '2015-06-03', to: '2015-06-30', days: 20 });
    expect(rows[4]).toMatchObject({ group: 0, label: '2016H1', from: '2016-01-01', to: '2016-06-30' });
    expect(rows.reduce((s, r) => s + r.days, 0)).toBe(plan.groups[0].test.end);
  });
});
