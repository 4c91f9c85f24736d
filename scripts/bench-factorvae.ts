/**
 * FactorVAE training benchmark (Node): time per trading day of one optimiser step (window gather and upload, forward,
 * backward, Adam update, loss read-back, as the shared loop does them) at issue 12's size: 400 stocks, T = 20 days,
 * the full factor set (44), H 64, K 32, M 128, with one date per step (the paper's) and 16 dates per step, on the wasm
 * and cpu backends. The GRU baseline (model id 'gru', when registered) at the same size next to it, and the Transformer
 * baseline at the FactorVAE Quick preset's size (H 32, 4 dates per step).
 * Anchor (issue 12): a PyTorch 1.13 CPU step of the same model, one thread, one date per step: 23-36 ms per date
 * depending on the machine's load (about 25 ms when quiet). Wall time inflates with other processes on the shared
 * 2-core machine, so the process CPU time per day is reported next to it.
 *   npm run bench -- factorvae      or      npx tsx scripts/bench-factorvae.ts [--quick]
 */
import { setFusedAdam } from '../src/train/adam';
import { tf } from '../src/train/tf';
import { useBackend, type BackendName } from '../src/train/backend';
import { models } from '../src/models/registry';
import { benchSeqStep, FACTORVAE_BENCH_CONFIG } from '../src/bench/train-bench';
import type { Figure } from './bench-dmfm';
import { setWasmKernels } from '../src/models/kernels/tfjs-wasm';
import { setGruFused } from '../src/models/layers/gru-fused';

// A/B switches: LAB_KERNELS=off runs the tfjs path instead of the lab's wasm kernels (and so the op-based GRU);
// LAB_GRU_FUSED=off keeps the kernels but runs the op-based GRU (src/models/layers/gru-fused.ts)
if (process.env.LAB_KERNELS === 'off') setWasmKernels(false);
if (process.env.LAB_GRU_FUSED === 'off') setGruFused(false);
// LAB_ADAM=off: tfjs' Adam update instead of the fused one (src/train/adam.ts)
if (process.env.LAB_ADAM === 'off') setFusedAdam(false);

/** ms per trading day of training (and inference) of `model` on `backend` with B dates per step, over `steps` steps */
function benchSeq(model: string, backend: BackendName, B: number, steps: number, cfg: Record<string, number | string>): Promise<Figure[]> {
  const cpuMs = () => {
    const c = process.cpuUsage();
    return (c.user + c.system) / 1000;
  };
  return benchSeqStep(model, backend, B, steps, cfg, 'node', cpuMs).then((figs) => figs.map((f) => ({ ...f, runtime: 'node' as const })));
}

/** FactorVAE (and GRU baseline) figures for `npm run bench`: wasm and cpu, 1 and 16 dates per step */
export async function benchFactorVaeNode(quick = false): Promise<Figure[]> {
  const prev = tf.getBackend();
  const out: Figure[] = [];
  const fvae = FACTORVAE_BENCH_CONFIG;
  out.push(...(await benchSeq('factorvae', 'wasm', 1, quick ? 8 : 32, fvae)));
  out.push(...(await benchSeq('factorvae', 'wasm', 16, quick ? 1 : 3, fvae)));
  if (!quick) out.push(...(await benchSeq('factorvae', 'cpu', 1, 8, fvae)));
  if (models.some((s) => s.id === 'gru')) {
    out.push(...(await benchSeq('gru', 'wasm', 1, quick ? 8 : 32, { hidden: 64 })));
    out.push(...(await benchSeq('gru', 'wasm', 16, quick ? 1 : 3, { hidden: 64 })));
  }
  // the Transformer baseline at the FactorVAE Quick preset's size (H 32, 4 dates per step): the slowest baseline there
  if (models.some((s) => s.id === 'transformer')) out.push(...(await benchSeq('transformer', 'wasm', 4, quick ? 2 : 6, { hidden: 32 })));
  if (prev) await useBackend(prev as BackendName);
  return out;
}

if (process.argv[1] && /bench-factorvae\.ts$/.test(process.argv[1])) {
  for (const f of await benchFactorVaeNode(process.argv.includes('--quick')))
    console.log(`${f.runtime} ${f.backend.padEnd(5)} ${f.name.padEnd(90)} ${f.value.toFixed(3).padStart(10)} ${f.unit}`);
}
