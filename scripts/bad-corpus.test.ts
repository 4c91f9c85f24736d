/**
 * (issue 16) The bad-input corpus against the loaders the runner and the page's worker share: every dataset case
 * through loadPanel (parquet / CSV -> DuckDB -> validation -> panel), every benchmark through parseBenchmark, every
 * link through hashToRun. Each case must end as it says: a LabError whose message matches (error), a warning that
 * matches and a usable dataset (warning), or a loaded dataset / run (handled). After every case the bundled dataset
 * still loads with the same engine. Prints the counts by outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { badCorpus, type BadCase, type Encoders, type FileCase } from './bad-corpus';
import { initParquetNode } from '../src/data/parquet-node';
import { tableToParquet } from '../src/data/parquet';
import { parseBenchmark } from '../src/data/benchmark';
import { LabError } from '../src/core/errors';
import { defaultPreprocessing } from '../src/core/run';
import { loadPanel } from '../src/train/dataset';
import { nodeDataIO } from '../src/train/node-io';
import { hashToRun } from '../src/state/url-state';

const enc: Encoders = { parquet: (t, o) => tableToParquet(t, o), gzip: (b) => new Uint8Array(gzipSync(b)) };
const io = nodeDataIO();
const cases = badCorpus();
const seen: { id: string; cls: string; kind: string; expect: string; got: string; message: string }[] = [];

beforeAll(async () => {
  await initParquetNode();
});
afterAll(() => {
  io.close();
  const by = (o: string) => seen.filter((s) => s.got === o).length;
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/bad-corpus.json', JSON.stringify({ cases: seen }, null, 1));
  console.log(`bad-input corpus: ${seen.length} cases: ${by('error')} clear message, ${by('warning')} warning, ${by('handled')} handled`);
});

const prep = { ...defaultPreprocessing, minHistory: 5 };

async function runDataset(c: FileCase): Promise<{ got: string; message: string; text: string[]; factors?: string[]; first?: string }> {
  const bytes = c.make(enc);
  try {
    const d = await loadPanel(io, { kind: 'file', name: c.name }, { ...prep, ...c.prep }, bytes);
    const text = [...d.warnings, ...d.notes];
    return {
      got: d.warnings.some((w) => c.match.test(w)) ? 'warning' : 'handled',
      message: text.find((w) => c.match.test(w)) ?? '',
      text,
      factors: d.panel.factorNames,
      first: d.panel.dates[0],
    };
  } catch (e) {
    if (!(e instanceof LabError)) throw new Error(`${c.id}: not a LabError: ${String(e)}`);
    return { got: 'error', message: e.message, text: [e.message] };
  }
}

async function runBenchmark(c: FileCase): Promise<{ got: string; message: string; text: string[]; factors?: string[]; first?: string }> {
  try {
    const b = await parseBenchmark(await io.engine(), c.make(enc), c.name);
    // handled: the series starts on the expected first date and its returns are finite fractions
    expect(Array.from(b.ret).every((r) => Number.isFinite(r) && Math.abs(r) < 0.5)).toBe(true);
    return { got: 'handled', message: b.first, text: [b.first] };
  } catch (e) {
    if (!(e instanceof LabError)) throw new Error(`${c.id}: not a LabError: ${String(e)}`);
    return { got: 'error', message: e.message, text: [e.message] };
  }
}

describe('bad-input corpus (issue 16)', () => {
  it('has at least 60 cases, unique ids, every class of the issue', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    const classes = new Set(cases.map((c) => c.cls));
    for (const k of ['security', 'crash', 'silent', 'benchmark scale', 'message', 'url', 'settings']) expect(classes, k).toContain(k);
  });

  it.each(cases.map((c) => [c.id, c] as [string, BadCase]))('%s', async (_, c) => {
    if (c.kind === 'url') {
      const r = hashToRun(c.hash);
      if (c.expect === 'handled') {
        expect(r.warnings).toEqual([]);
        expect(typeof r.run.model).toBe('string');
      } else
        expect(
          r.warnings.some((w) => c.match.test(w)),
          r.warnings.join('\n'),
        ).toBe(true);
      seen.push({
        id: c.id,
        cls: c.cls,
        kind: c.kind,
        expect: c.expect,
        got: c.expect === 'handled' ? 'handled' : 'warning',
        message: r.warnings.join(' | ').slice(0, 300),
      });
      return;
    }
    const r = c.kind === 'benchmark' ? await runBenchmark(c) : await runDataset(c);
    seen.push({ id: c.id, cls: c.cls, kind: c.kind, expect: c.expect, got: r.got, message: r.message.slice(0, 300) });
    expect(r.got, `${c.id}: ${r.text.join('\n')}`).toBe(c.expect);
    expect(
      r.text.some((t) => c.match.test(t)),
      `${c.id} expected ${c.match} in:\n${r.text.join('\n')}`,
    ).toBe(true);
    if (c.kind === 'dataset' && c.check && r.factors) {
      const f = r.factors;
      if (c.check.minFactors !== undefined) expect(f.length).toBeGreaterThanOrEqual(c.check.minFactors);
      if (c.check.maxFactors !== undefined) expect(f.length).toBeLessThanOrEqual(c.check.maxFactors);
      for (const x of c.check.excludes ?? []) expect(f).not.toContain(x);
      for (const x of c.check.includes ?? []) expect(f).toContain(x);
      if (c.check.firstDate) expect(r.first).toBe(c.check.firstDate);
    }
  });

  it('after every case the bundled dataset still loads, with no warning', async () => {
    const d = await loadPanel(io, { kind: 'bundled', name: 'us-large-cap-2012-2019' }, defaultPreprocessing);
    expect(d.panel.factorNames.length).toBeGreaterThan(20);
    expect(d.warnings).toEqual([]);
  }, 240_000);
});
