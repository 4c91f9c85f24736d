import { describe, expect, it } from 'vitest';
import { buildResultsTable, tableToCsv, type ResultRow } from './table';

// A slice of E2EAI Table 1 (CSI 500 / CSI 300 columns for three methods), values as fractions / ratios.
const rows: ResultRow[] = [
  { method: 'Linear', universe: 'CSI500', metrics: { alpha: 0.0562, ir: 0.77, mdd: 0.04, turnover: 0.89, holdings: 50 } },
  { method: 'EW', universe: 'CSI500', metrics: { alpha: 0.0891, ir: 1.86, mdd: 0.06, turnover: 0.97, holdings: 50 } },
  { method: 'DMFM', universe: 'CSI500', metrics: { alpha: 0.0903, ir: 1.89, mdd: 0.07, turnover: 1.01, holdings: 50 } },
  { method: 'Linear', universe: 'CSI300', metrics: { alpha: 0.0173, ir: 0.32, mdd: 0.08, turnover: 0.89, holdings: 30 } },
  { method: 'EW', universe: 'CSI300', metrics: { alpha: 0.0757, ir: 1.2, mdd: 0.06, turnover: 0.71, holdings: 30 } },
  { method: 'DMFM', universe: 'CSI300', metrics: { alpha: 0.0785, ir: 1.09, mdd: 0.06, turnover: 0.96, holdings: 30 } },
];

describe('paper-style results table', () => {
  const t = buildResultsTable(rows, 'paper-e2eai');

  it('methods x universes x metrics in first-seen order', () => {
    expect(t.methods).toEqual(['Linear', 'EW', 'DMFM']);
    expect(t.universes).toEqual(['CSI500', 'CSI300']);
    expect(t.columns.map((c) => c.key)).toEqual(['alpha', 'ir', 'mdd', 'turnover', 'holdings']);
    expect(t.cells[2][0].value).toBe(0.0903);
  });

  it('best / second best: higher is better, except drawdown and turnover; ties share the mark; n has none', () => {
    const mark = (m: number, u: number, c: number) => t.cells[m][u * 5 + c].mark;
    // CSI500 alpha: DMFM best, EW second
    expect([mark(0, 0, 0), mark(1, 0, 0), mark(2, 0, 0)]).toEqual([null, 'second', 'best']);
    // CSI500 MD (lower better): Linear .04 best, EW .06 second
    expect([mark(0, 0, 2), mark(1, 0, 2), mark(2, 0, 2)]).toEqual(['best', 'second', null]);
    // CSI300 MD: EW and DMFM tie at .06 -> both best; Linear .08 second
    expect([mark(0, 1, 2), mark(1, 1, 2), mark(2, 1, 2)]).toEqual(['second', 'best', 'best']);
    // CSI300 IR: EW 1.2 best, DMFM 1.09 second
    expect([mark(0, 1, 1), mark(1, 1, 1), mark(2, 1, 1)]).toEqual([null, 'best', 'second']);
    // holdings are descriptive
    expect(t.cells.every((r) => r[4].mark === null && r[9].mark === null)).toBe(true);
  });

  it('wide CSV with paper formatting and marks', () => {
    const csv = tableToCsv(t);
    expect(csv.split('\n')[0]).toBe(
      'method,CSI500 α,CSI500 IR,CSI500 MD,CSI500 TT,CSI500 n̄,CSI300 α,CSI300 IR,CSI300 MD,CSI300 TT,CSI300 n̄',
    );
    expect(csv.split('\n')[3]).toBe('DMFM,**9.03**,**1.89**,7.00,1.01,50.0,**7.85**,_1.09_,**6.00**,0.96,30.0');
    expect(csv.split('\n')[1]).toBe('Linear,5.62,0.77,**4.00**,**0.89**,50.0,1.73,0.32,_8.00_,_0.89_,30.0');
    expect(tableToCsv(t, { marks: false }).split('\n')[3]).toBe('DMFM,9.03,1.89,7.00,1.01,50.0,7.85,1.09,6.00,0.96,30.0');
  });

  it('long CSV keeps raw values and marks; missing metrics are empty', () => {
    const t2 = buildResultsTable([...rows, { method: 'MLP', universe: 'CSI500', metrics: { alpha: 0.0448 } }], 'paper-e2eai');
    const lines = tableToCsv(t2, { layout: 'long' }).trim().split('\n');
    expect(lines[0]).toBe('method,universe,metric,label,value,mark');
    expect(lines).toContain('DMFM,CSI500,alpha,α,0.0903,best');
    expect(lines).toContain('MLP,CSI500,ir,IR,,');
    expect(lines).toContain('MLP,CSI300,alpha,α,,');
  });

  it('custom columns and CSV quoting', () => {
    const t3 = buildResultsTable([{ method: 'a, "b"', universe: 'u', metrics: { sharpe: 1.234 } }], [{ key: 'sharpe', label: 'SR' }], 'x');
    expect(tableToCsv(t3)).toBe('method,u SR\n"a, ""b""",**1.23**\n');
  });
});
