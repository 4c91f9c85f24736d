// `npm run bench`: data, eval and training timings in Node, then the same in headless Chromium.
// Writes every figure to bench-results.json as {name, runtime, backend?, value, unit, date}.
import { writeFileSync } from 'node:fs';

interface Figure {
  name: string;
  runtime: string;
  backend?: string;
  value: number;
  unit: string;
}

const figures: Figure[] = [];
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const want = (k: string) => only.length === 0 || only.includes(k);

async function section(name: string, fn: () => Promise<Figure[]>) {
  if (!want(name)) return;
  console.error(`[bench] ${name}...`);
  try {
    const f = await fn();
    figures.push(...f);
    for (const x of f)
      console.log(
        `${x.runtime.padEnd(8)} ${(x.backend ?? '').padEnd(7)} ${x.name.padEnd(44)} ${x.value.toFixed(x.value < 10 ? 3 : 1).padStart(10)} ${x.unit}`,
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
