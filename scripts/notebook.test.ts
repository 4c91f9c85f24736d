/**
 * npm run notebook: a folder for static hosting. From two bundles of the tiny run (one full, one compact) it writes
 * index.html, runs/<id>.html and bundles/<id>.flrun.zip; the index lists each run with its methods' IC and IR from
 * metrics.json (escaped: a label with markup shows as text), each page embeds the run's results (decoded back: the
 * same labels and the same per-method metrics the bundle stores), the bundles are the input bytes, and nothing in the
 * folder points at the network. The page itself opening from file:// is e2e/notebook-folder.spec.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExperiment } from './experiment';
import { writeNotebookFolder } from './notebook';
import { initParquetNode } from '../src/data/parquet-node';
import { readBundle } from '../src/bundle/read';
import { compactBundle } from '../src/bundle/compact';
import { tinyConfig } from '../src/bundle/test-fixture';
import { decodeNotebook, fromB64, DATA_TAG } from '../src/ui/notebook/payload';

let dir: string;
let full: Uint8Array;
let files: { path: string; bytes: number }[];
const TEMPLATE = `<!doctype html><html><head><title>Factor Lab notebook</title></head><body>${DATA_TAG}</body></html>`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'factor-lab-notebook-'));
  await runExperiment(tinyConfig, join(dir, 'run'), { backend: 'cpu', log: () => {} });
  await initParquetNode();
  full = new Uint8Array(readFileSync(join(dir, 'run', 'run.flrun.zip')));
  writeFileSync(join(dir, 'tiny <x>.flrun.zip'), compactBundle(full));
  // a stand-in viewer template (the real one is the site build's; the e2e spec uses it): the data tag is what is filled
  writeFileSync(join(dir, 'viewer.html'), TEMPLATE);
  files = await writeNotebookFolder({
    bundles: [join(dir, 'run', 'run.flrun.zip'), join(dir, 'tiny <x>.flrun.zip')],
    out: join(dir, 'site'),
    title: 'Tiny <runs>',
    viewer: join(dir, 'viewer.html'),
  });
}, 240_000);

const site = (p: string) => join(dir, 'site', p);

describe('npm run notebook (a folder of notebooks)', () => {
  it('writes index.html, one page and one bundle per run', () => {
    expect(files.map((f) => f.path.slice(site('').length).replace(/^\//, '')).sort()).toEqual(
      ['index.html', 'runs/run.html', 'bundles/run.flrun.zip', 'runs/tiny_x_.html', 'bundles/tiny_x_.flrun.zip'].sort(),
    );
    for (const f of files) expect(existsSync(f.path) && readFileSync(f.path).byteLength).toBe(f.bytes);
    // the bundles are the input files, byte for byte
    expect(new Uint8Array(readFileSync(site('bundles/run.flrun.zip')))).toEqual(full);
    expect(readBundle(new Uint8Array(readFileSync(site('bundles/tiny_x_.flrun.zip')))).manifest.storage?.mantissaBits).toBe(10);
  });

  it('lists each run on the index page with its methods IC and IR, escaped, and links that stay in the folder', () => {
    const html = readFileSync(site('index.html'), 'utf8');
    expect(html).toContain('<title>Tiny &lt;runs&gt; · Factor Lab notebooks</title>');
    expect(html).not.toContain('<runs>');
    const metrics = readBundle(full).metrics as {
      models: Record<string, { portfolio: { ir: number }; horizons: Record<string, { ic: number }> }>;
    };
    for (const id of ['run', 'tiny_x_']) {
      expect(html).toContain(`<a href="runs/${id}.html">`);
      expect(html).toContain(`<a href="bundles/${id}.flrun.zip" download>`);
      const section = html.slice(html.indexOf(`data-run="${id}"`), html.indexOf('</section>', html.indexOf(`data-run="${id}"`)));
      // the markup label is text; its row shows the metrics.json numbers (IC at horizon 5, 4 decimals; IR 2 decimals)
      expect(section).toContain('ew &lt;b&gt;&quot;IC&quot;&lt;/b&gt;');
      expect(section).not.toContain('<b>');
      // a runner default label (the model id) shows as the model's display name, as in the lab (method-labels.ts)
      for (const [label, shown] of [
        ['linear', 'Linear'],
        ['dmfm', 'DMFM (deep multi-factor model)'],
      ]) {
        const m = metrics.models[label];
        expect(section).toContain(`<td>${shown}</td><td>${m.horizons['5'].ic.toFixed(4)}</td><td>${m.portfolio.ir.toFixed(2)}</td>`);
      }
    }
    // no network: no absolute URL anywhere, a CSP that allows no fetch, no script
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(`content="default-src 'none'`);
  });

  it('embeds each run in its page: the labels and metrics the bundle stores', () => {
    const b = readBundle(full);
    for (const id of ['run', 'tiny_x_']) {
      const html = readFileSync(site(`runs/${id}.html`), 'utf8');
      const raw = /<script type="application\/zip;base64" id="lab-notebook-data">([^<]*)<\/script>/.exec(html)![1];
      const d = decodeNotebook(fromB64(raw));
      // shown by display name (the runner's default labels are model ids), the bundle's own label kept beside it
      expect(d.results.map((r) => r.label)).toEqual(['Linear', 'ew <b>"IC"</b>', 'DMFM (deep multi-factor model)']);
      expect(d.results.map((r) => r.bundleLabel ?? r.label)).toEqual(b.methods.map((m) => m.label));
      expect(d.metrics).toEqual(b.metrics);
      // each method's metrics as the views show them are the bundle's stored evaluation (the compact one stores the
      // original's evaluation too), and its series run over the stored holding days
      d.results.forEach((r, i) => {
        const ev = b.methods[i].output.eval;
        expect(r.allMetrics!.ir, r.label).toBe(ev.metrics.ir);
        expect(r.allMetrics!.ic, r.label).toBe(ev.metrics.ic);
        expect(r.series[0].dates, r.label).toEqual(ev.series.iso);
      });
      expect(html).not.toMatch(/(src|href)="https?:/);
    }
  });
});
