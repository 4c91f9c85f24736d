/**
 * Browser half of `npm run bench`: builds the site, serves it from /lab/ with the full shared dataset under
 * /lab/__data/, opens bench.html in headless Chromium (Debian chromium via Playwright) and records:
 * the data pipeline on the full dataset in the lab worker (load + validate + factors + panel), the peak RSS of
 * all Chromium processes meanwhile, and training time per trading day on each tfjs backend the browser offers
 * (webgpu here is SwiftShader unless a real GPU is present: it is labelled so).
 */
import { execSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { ensureChromium } from './ensure-chromium.mjs';

interface Figure {
  name: string;
  runtime: string;
  backend?: string;
  value: number;
  unit: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
// BENCH_DATA_DIR overrides ../shared/data (a git worktree sits one level deeper than the main checkout)
const dataDir = process.env.BENCH_DATA_DIR ?? join(root, '..', 'shared', 'data');

/**
 * Chromium processes started by THIS script (descendants of this Node process): other sessions on the machine may
 * run their own Chromium, which must not be counted. From `ps` (pid, ppid, rss in KB, name).
 */
function ownChromium(): { pid: number; rssKb: number }[] {
  try {
    const rows = execSync('ps -eo pid=,ppid=,rss=,comm=', { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((r) => r.length >= 4);
    const kids = new Map<number, number[]>();
    for (const r of rows) {
      const pp = Number(r[1]);
      if (!kids.has(pp)) kids.set(pp, []);
      kids.get(pp)!.push(Number(r[0]));
    }
    const mine = new Set<number>();
    const stack = [process.pid];
    while (stack.length) {
      const p = stack.pop()!;
      for (const k of kids.get(p) ?? [])
        if (!mine.has(k)) {
          mine.add(k);
          stack.push(k);
        }
    }
    return rows
      .filter((r) => mine.has(Number(r[0])) && /chrom/i.test(r.slice(3).join(' ')))
      .map((r) => ({ pid: Number(r[0]), rssKb: Number(r[2]) }));
  } catch {
    return [];
  }
}

function chromiumRssMb(): number {
  return ownChromium().reduce((a, p) => a + p.rssKb, 0) / 1024;
}

/** CPU seconds (user + system) used so far by this script's Chromium processes, from /proc/<pid>/stat (ticks of 1/100 s). */
function chromiumCpuSeconds(): number {
  let ticks = 0;
  for (const { pid } of ownChromium()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
    } catch {
      /* exited */
    }
  }
  return ticks / 100;
}

const loadAvg = (): number => {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
};

export async function benchBrowser(): Promise<Figure[]> {
  const exe = ensureChromium();
  execSync('npx vite build --logLevel warn', { cwd: root, stdio: 'inherit' });
  const port = Number(process.env.BENCH_PORT ?? 4199); // BENCH_PORT: several checkouts benchmarking at once
  const server = spawn('node', [join(here, 'serve-static.mjs'), String(port), '/lab/', dataDir], { cwd: root, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 800));
  const browser = await chromium.launch({
    executablePath: exe,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--enable-unsafe-webgpu',
      '--disable-quic',
    ],
  });
  const out: Figure[] = [];
  try {
    // BENCH_TRAIN_ONLY=1 skips the data part (training figures only)
    if (!process.env.BENCH_TRAIN_ONLY) {
      const page = await browser.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') console.error('[chromium]', m.text());
      });
      // BENCH_PREP_HELPERS=off: the load's per-date preprocessing on the lab worker alone (A/B of the helper workers)
      await page.goto(`http://127.0.0.1:${port}/lab/bench.html${process.env.BENCH_PREP_HELPERS === 'off' ? '?prepHelpers=off' : ''}`);
      await page.waitForFunction(() => (window as any).__bench?.ready, null, { timeout: 60_000 });
      const base = chromiumRssMb();
      let peak = base;
      const timer = setInterval(() => {
        peak = Math.max(peak, chromiumRssMb());
      }, 250);
      const cpu0 = chromiumCpuSeconds(),
        load0 = loadAvg();
      const data: Figure[] = await page.evaluate(
        () => (window as any).__bench.data('__data/us_large_cap_prices.parquet', '__data/us_large_cap_sectors.parquet'),
        undefined,
      );
      const cpu = chromiumCpuSeconds() - cpu0;
      clearInterval(timer);
      out.push(
        ...data,
        { name: "data: peak RSS of the benchmark's Chromium processes during the load", runtime: 'chromium', value: peak, unit: 'MB' },
        // the machine is shared: CPU time is the steadier figure, the load average says how contended the wall time was
        {
          name: "data: CPU time of the benchmark's Chromium processes during worker start + fetch + load",
          runtime: 'chromium',
          value: cpu * 1000,
          unit: 'ms',
        },
        { name: 'data: 1-minute load average at the start of the load', runtime: 'chromium', value: load0, unit: '' },
      );
      await page.close();
    }
    // the first impression through the app: bundled dataset load on a cold page and on a warm one (panel cache)
    if (!process.env.BENCH_TRAIN_ONLY) out.push(...(await (await import('./bench-ui-load')).benchUiLoad(port + 1)));
    // BENCH_DATA_ONLY=1 skips the training part (a quick data-path check)
    if (!process.env.BENCH_DATA_ONLY) {
      const page2 = await browser.newPage();
      await page2.goto(
        `http://127.0.0.1:${port}/lab/bench.html${process.env.BENCH_BACKENDS ? `?backends=${process.env.BENCH_BACKENDS}` : ''}` +
          (process.env.BENCH_KERNELS === 'off' ? `${process.env.BENCH_BACKENDS ? '&' : '?'}kernels=off` : '') +
          // BENCH_FMA=off: the plain SIMD kernels instead of the relaxed-SIMD fused multiply-add ones (A/B)
          (process.env.BENCH_FMA === 'off'
            ? `${process.env.BENCH_BACKENDS || process.env.BENCH_KERNELS === 'off' ? '&' : '?'}fma=off`
            : '') +
          // BENCH_WASM_THREADS=on|off: force the threaded / plain SIMD wasm build on the isolated page (A/B)
          (process.env.BENCH_WASM_THREADS
            ? `${process.env.BENCH_BACKENDS || process.env.BENCH_KERNELS === 'off' || process.env.BENCH_FMA === 'off' ? '&' : '?'}wasmThreads=${process.env.BENCH_WASM_THREADS}`
            : ''),
      );
      await page2.waitForFunction(() => (window as any).__bench?.ready, null, { timeout: 60_000 });
      page2.setDefaultTimeout(600_000);
      out.push({
        name: 'train: 1-minute load average at the start of the training figures',
        runtime: 'chromium',
        value: loadAvg(),
        unit: '',
      });
      out.push(...(await page2.evaluate(() => (window as any).__bench.train(), undefined)));
      // multithreaded wasm: the page is cross-origin isolated (serve-static.mjs sends COOP / COEP), so the wasm
      // backend can use every core; BENCH_THREADS=N picks N (figures named '[N thread(s)]', next to the 1-thread ones)
      const iso = await page2.evaluate(() => (globalThis as any).crossOriginIsolated === true);
      const threads = Number(process.env.BENCH_THREADS ?? (await page2.evaluate(() => navigator.hardwareConcurrency)));
      await page2.close();
      const wantWasm = !process.env.BENCH_BACKENDS || process.env.BENCH_BACKENDS.split(',').includes('wasm');
      if (iso && threads > 1 && wantWasm) {
        const page3 = await browser.newPage();
        page3.setDefaultTimeout(600_000);
        // tfjs-backend-wasm caps its thread pool at navigator.hardwareConcurrency / 2 (its C++ init: logical cores
        // over 2, "many x86-64 processors have 2 threads per core"), so a 2-core machine would always get 1 thread.
        // To measure N threads here the page reports 2N cores (only this bench page; the app uses the real count).
        // (a string, not a function: tsx would wrap a function with helpers the page does not have)
        await page3.addInitScript({
          content: `Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => ${2 * threads} });`,
        });
        await page3.goto(`http://127.0.0.1:${port}/lab/bench.html?backends=wasm&threads=${threads}`);
        await page3.waitForFunction(() => (window as any).__bench?.ready, null, { timeout: 60_000 });
        out.push({
          name: `train: 1-minute load average at the start of the ${threads}-thread wasm figures`,
          runtime: 'chromium',
          value: loadAvg(),
          unit: '',
        });
        out.push(...(await page3.evaluate(() => (window as any).__bench.train(), undefined)));
      } else if (!iso) console.error('[bench] the bench page is not cross-origin isolated: no multithreaded wasm figures');
    }
  } finally {
    await browser.close();
    server.kill();
  }
  return out;
}

if (process.argv[1] && /bench-browser\.ts$/.test(process.argv[1])) {
  for (const f of await benchBrowser())
    console.log(`${f.runtime} ${(f.backend ?? '').padEnd(6)} ${f.name.padEnd(80)} ${f.value.toFixed(2).padStart(10)} ${f.unit}`);
}
