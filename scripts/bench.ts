// `npm run bench`: data, eval and training timings in Node, then the same in headless Chromium.
// Writes every figure to bench-results.json as {name, runtime, backend?, value, unit, date, cores, load1}: the machine's
// core count and its 1-minute load average when the figure's section started, so figures from different machines
// (or a busy machine) can be compared.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

interface Figure {
  name: string;
  runtime: string;
  backend?: string;
  value: number;
  unit: string;
  cores?: number;
  load1?: number;
}

const figures: Figure[] = [];
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const want = (k: string) => only.length === 0 || only.includes(k);

async function section(name: string, fn: () => Promise<Figure[]>) {
  if (!want(name)) return;
  console.error(`[bench] ${name}...`);
  try {
    const load1 = Math.round(loadavg()[0] * 100) / 100;
    const f = (await fn()).map((x) => ({ ...x, cores: cpus().length, load1 }));
    figures.push(...f);
    for (const x of f)
      console.log(
        `${x.runtime.padEnd(8)} ${(x.backend ?? '').padEnd(7)} ${x.name.padEnd(44)} ${x.value.toFixed(x.value < 10 ? 3 : 1).padStart(10)} ${x.unit}  [${x.cores} cores, load ${x.load1}]`,
      );
  } catch (e) {
    console.error(`[bench] ${name} failed:`, e);
    process.exitCode = 1;
  }
}

await section('data', async () => (await import('./bench-data')).benchDataNode());
await section('eval', async () => (await import('./bench-eval')).benchEvalNode());
await section('train', async () => (await import('./bench-train')).benchTrainNode());
await section('dmfm', async () => (await import('./bench-dmfm')).benchDmfmNode());
await section('factorvae', async () => (await import('./bench-factorvae')).benchFactorVaeNode());
await section('browser', async () => (await import('./bench-browser')).benchBrowser());

const date = new Date().toISOString();
writeFileSync(
  'bench-results.json',
  JSON.stringify(
    figures.map((f) => ({ ...f, date })),
    null,
    2,
  ) + '\n',
);
console.error(`[bench] wrote ${figures.length} figures to bench-results.json`);
