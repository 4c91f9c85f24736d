/**
 * A corpus of malformed run bundles made from a valid one (tests: src/bundle/malformed.test.ts and the browser's
 * e2e/bundle-malformed.spec.ts). Each case says which part the refusal must name. Markup in names is there to prove it
 * stays text.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import * as arrow from 'apache-arrow';
import { parquetToTable, tableToParquet } from '../data/parquet';

export interface MalformedCase {
  name: string;
  bytes: Uint8Array;
  /** the part the message must name */
  part: string;
  /** a phrase the message must contain */
  says: RegExp;
}

const XSS = '<img src=x onerror="window.__pwned=1">';

/** Build the corpus from a valid bundle's bytes (needs parquet-wasm initialised). */
export function malformedCorpus(valid: Uint8Array): MalformedCase[] {
  const files = unzipSync(valid);
  const rezip = (f: Record<string, Uint8Array>) => zipSync(f);
  const edit = (mut: (f: Record<string, Uint8Array>) => void) => {
    const f = { ...files };
    mut(f);
    return rezip(f);
  };
  const editJson = (entry: string, mut: (o: any) => any) =>
    edit((f) => {
      f[entry] = strToU8(JSON.stringify(mut(JSON.parse(strFromU8(f[entry])))));
    });
  const editText = (entry: string, mut: (s: string) => string) =>
    edit((f) => {
      f[entry] = strToU8(mut(strFromU8(f[entry])));
    });
  const editTable = (entry: string, mut: (t: arrow.Table) => arrow.Table) =>
    edit((f) => {
      f[entry] = tableToParquet(mut(parquetToTable(f[entry])));
    });
  const replaceCol = (t: arrow.Table, name: string, v: arrow.Vector) =>
    new arrow.Table(Object.fromEntries(t.schema.fields.map((x) => [x.name, x.name === name ? v : t.getChild(x.name)!])));
  const firstBin = Object.keys(files).find((k) => /^methods\/0\/\d+\.bin$/.test(k))!;

  const cases: MalformedCase[] = [
    { name: 'not a zip', bytes: strToU8('this is a CSV, date,ticker\n'), part: 'file', says: /not a zip/ },
    { name: 'truncated zip', bytes: valid.slice(0, Math.floor(valid.length / 2)), part: 'file', says: /unzip/ },
    { name: 'no manifest', bytes: edit((f) => delete f['manifest.json']), part: 'manifest.json', says: /missing/ },
    { name: 'manifest not JSON', bytes: editText('manifest.json', (s) => s.slice(0, 40)), part: 'manifest.json', says: /not valid JSON/ },
    {
      name: 'another format',
      bytes: editJson('manifest.json', (o) => ({ ...o, format: 'zip-of-cats' })),
      part: 'manifest.json',
      says: /format/,
    },
    { name: 'newer version', bytes: editJson('manifest.json', (o) => ({ ...o, version: 99 })), part: 'manifest.json', says: /newer/ },
    {
      name: '__proto__ key',
      bytes: editText('manifest.json', (s) => s.replace('{', '{"__proto__": {"polluted": true},')),
      part: 'manifest.json',
      says: /forbidden key "__proto__"/,
    },
    {
      name: 'constructor key in a method',
      bytes: editText('methods/0.json', (s) => s.replace('{', '{"constructor": {"prototype": {"polluted": true}},')),
      part: 'methods/0.json',
      says: /forbidden key "constructor"/,
    },
    {
      name: 'duplicate method label',
      bytes: editJson('manifest.json', (o) => ({ ...o, methods: o.methods.map((m: any) => ({ ...m, label: 'same' })) })),
      part: 'manifest.json',
      says: /appears twice/,
    },
    {
      name: 'label not text',
      bytes: editJson('manifest.json', (o) => ({ ...o, methods: [{ ...o.methods[0], label: { html: XSS } }, ...o.methods.slice(1)] })),
      part: 'manifest.json',
      says: /label must be text/,
    },
    { name: 'no metrics.json', bytes: edit((f) => delete f['metrics.json']), part: 'metrics.json', says: /missing/ },
    {
      name: 'scores not parquet',
      bytes: edit((f) => (f['scores.parquet'] = strToU8('PAR1 nope'))),
      part: 'scores.parquet',
      says: /parquet/,
    },
    {
      name: 'scores without the score column',
      bytes: editTable('scores.parquet', (t) => t.select(t.schema.fields.map((x) => x.name).filter((n) => n !== 'score'))),
      part: 'scores.parquet',
      says: /column "score" is missing/,
    },
    {
      name: 'a non-finite score',
      bytes: editTable('scores.parquet', (t) => {
        const v = Float32Array.from(t.getChild('score')!.toArray() as Float32Array);
        v[3] = Infinity;
        return replaceCol(t, 'score', arrow.makeVector(v));
      }),
      part: 'scores.parquet',
      says: /not a finite number/,
    },
    {
      name: 'a ticker with markup that is no stock of the run',
      bytes: editTable('scores.parquet', (t) => {
        const names = Array.from({ length: t.numRows }, (_, i) => (i === 0 ? XSS : String(t.getChild('ticker')!.get(i))));
        return replaceCol(t, 'ticker', arrow.vectorFromArray(names, new arrow.Utf8()));
      }),
      part: 'scores.parquet',
      says: /is not one of the manifest's stocks/,
    },
    {
      name: 'grids with a missing row',
      bytes: editTable('grids.parquet', (t) => t.slice(0, t.numRows - 1)),
      part: 'grids.parquet',
      says: /rows;/,
    },
    {
      name: 'an array entry of the wrong size',
      bytes: edit((f) => (f[firstBin] = f[firstBin].slice(0, Math.max(0, f[firstBin].length - 3)))),
      part: firstBin,
      says: /bytes;/,
    },
    { name: 'an array entry missing', bytes: edit((f) => delete f[firstBin]), part: 'methods/0.json', says: /does not have/ },
    {
      name: 'a test date index pointing elsewhere',
      bytes: editJson('methods/0.json', (o) => ({
        ...o,
        testDates: o.testDates.map((d: string, i: number) => (i === 0 ? '1999-01-04' : d)),
      })),
      part: 'methods/0.json',
      says: /does not point at test date/,
    },
    {
      name: 'an infinite portfolio return',
      bytes: editTable('portfolio.parquet', (t) => {
        const v = Float64Array.from(t.getChild('portfolio_return')!.toArray() as Float64Array);
        v[0] = -Infinity;
        return replaceCol(t, 'portfolio_return', arrow.makeVector(v));
      }),
      part: 'portfolio.parquet',
      says: /not finite/,
    },
    { name: 'path traversal entry name', bytes: edit((f) => (f['../evil.sh'] = strToU8('rm -rf /'))), part: 'file', says: /not allowed/ },
    {
      name: 'a bad number tag',
      bytes: editText('methods/0.json', (s) => s.replace('{', '{"x": {"$num": "1e999"},')),
      part: 'methods/0.json',
      says: /bad number tag/,
    },
    {
      name: 'nesting too deep',
      bytes: editText('methods/0.json', (s) => s.replace('{', `{"deep": ${'['.repeat(200)}${']'.repeat(200)},`)),
      part: 'methods/0.json',
      says: /nested deeper/,
    },
    {
      name: 'a part whose size differs from the manifest',
      bytes: editJson('manifest.json', (o) => ({ ...o, parts: { ...o.parts, 'metrics.json': 1 } })),
      part: 'metrics.json',
      says: /the manifest says/,
    },
  ];
  return cases;
}
