/**
 * The lab's wasm kernels with relaxed SIMD's fused multiply-add (src/models/kernels/kernels.ts, kernelBytes `fma`)
 * against a float64 reference and the plain SIMD kernels. Node 20 validates relaxed SIMD only with a flag, so
 * kernels.test.ts runs this in a child process:
 *   node --experimental-wasm-relaxed-simd --import tsx scripts/kernel-fma-parity.ts
 * Prints one JSON line: { fma, shapes: [{ M, K, J, matmul, xtdy, matmulVsPlain, xtdyVsPlain }] } (max relative
 * differences, scaled by the largest magnitude of the reference).
 */
import { instantiateKernels, setKernelFma } from '../src/models/kernels/kernels';
import { makeRng } from '../src/core/rng';

const shapes: [number, number, number][] = [
  [803, 44, 221],
  [400, 64, 192],
  [7, 192, 64],
  [5, 17, 36],
];

function run() {
  const memory = new WebAssembly.Memory({ initial: 256 });
  const k = instantiateKernels(memory)!;
  setKernelFma(false);
  const plainMem = new WebAssembly.Memory({ initial: 256 });
  const p = instantiateKernels(plainMem)!;
  setKernelFma(true);
  const r = makeRng(3);
  const out = [];
  for (const [M, K, J] of shapes) {
    const x = Float32Array.from({ length: M * K }, () => r.normal());
    const w = Float32Array.from({ length: K * J }, () => r.normal());
    const dy = Float32Array.from({ length: M * J }, () => r.normal());
    const res = (kk: typeof k, mem: WebAssembly.Memory) => {
      const h = new Float32Array(mem.buffer);
      const px = 0,
        pw = px + M * K,
        pdy = pw + K * J,
        po = pdy + M * J,
        pg = po + M * J;
      h.set(x, px);
      h.set(w, pw);
      h.set(dy, pdy);
      kk.matmul(4 * px, 4 * pw, 0, 4 * po, M, K, J, 0);
      kk.xtdy(4 * px, 4 * pdy, 4 * pg, M, K, J);
      return { y: h.slice(po, po + M * J), g: h.slice(pg, pg + K * J) };
    };
    const a = res(k, memory),
      b = res(p, plainMem);
    const y64 = new Float64Array(M * J),
      g64 = new Float64Array(K * J);
    for (let m = 0; m < M; m++)
      for (let kk = 0; kk < K; kk++) {
        const xv = x[m * K + kk];
        for (let j = 0; j < J; j++) {
          y64[m * J + j] += xv * w[kk * J + j];
          g64[kk * J + j] += xv * dy[m * J + j];
        }
      }
    const rel = (u: ArrayLike<number>, v: ArrayLike<number>) => {
      let scale = 0,
        d = 0;
      for (let i = 0; i < v.length; i++) scale = Math.max(scale, Math.abs(v[i]));
      for (let i = 0; i < v.length; i++) d = Math.max(d, Math.abs(u[i] - v[i]));
      return d / scale;
    };
    out.push({ M, K, J, matmul: rel(a.y, y64), xtdy: rel(a.g, g64), matmulVsPlain: rel(a.y, b.y), xtdyVsPlain: rel(a.g, b.g) });
  }
  return { fma: k.fma, plainFma: p.fma, shapes: out };
}

console.log(JSON.stringify(run()));
