import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeRng } from '../../core/rng';
import { batchMatMul, linear, linearOnData } from '../layers/ops';
import { kernelBytes, xtdyArrays } from './kernels';
import { colsum, kernelsReady, matmul, setWasmKernels, wasmInternals, xtdy } from './tfjs-wasm';

beforeAll(() => {
  tf.enableProdMode();
});
afterAll(async () => {
  setWasmKernels(true);
  await tf.setBackend('cpu');
});

const randArr = (r: ReturnType<typeof makeRng>, n: number) => Float32Array.from({ length: n }, () => r.normal());

/** x^T dy and the column sums in float64, the plain triple loop */
function reference(x: Float32Array, dy: Float32Array, M: number, K: number, J: number) {
  const dw = new Float64Array(K * J),
    db = new Float64Array(J);
  for (let m = 0; m < M; m++)
    for (let j = 0; j < J; j++) {
      db[j] += dy[m * J + j];
      for (let k = 0; k < K; k++) dw[k * J + j] += x[m * K + k] * dy[m * J + j];
    }
  return { dw, db };
}

const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let scale = 0,
    d = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return d / Math.max(scale, 1e-30);
};

describe('wasm SIMD kernels on plain arrays', () => {
  it('the module validates (own memory and shared memory variants)', () => {
    expect(WebAssembly.validate(kernelBytes(false))).toBe(true);
    expect(WebAssembly.validate(kernelBytes(true))).toBe(true);
  });

  it('xtdy and colsum: a worked 5 x 2 x 5 example (one 4-row block plus one row; one vector plus one tail column)', () => {
    // x [5, 2] columns (1, 2, 3, 4, 5) and (1, 0, -1, 0, 2); dy [5, 5] rows r = (r, 1, 0, -r, 2) for r = 1..5
    const x = Float32Array.from([1, 1, 2, 0, 3, -1, 4, 0, 5, 2]);
    const dy = new Float32Array(25);
    for (let r = 1; r <= 5; r++) dy.set([r, 1, 0, -r, 2], 5 * (r - 1));
    const out = xtdyArrays(x, dy, 5, 2, 5)!;
    // dw[0, :] = sum_r r * (r, 1, 0, -r, 2) = (1+4+9+16+25, 15, 0, -55, 30) = (55, 15, 0, -55, 30)
    // dw[1, :] = 1*(1,1,0,-1,2) + 0 - 1*(3,1,0,-3,2) + 0 + 2*(5,1,0,-5,2) = (1-3+10, 1-1+2, 0, -1+3-10, 2-2+4) = (8, 2, 0, -8, 4)
    expect(Array.from(out.dw)).toEqual([55, 15, 0, -55, 30, 8, 2, 0, -8, 4]);
    // db = (1+..+5, 5, 0, -15, 10)
    expect(Array.from(out.db)).toEqual([15, 5, 0, -15, 10]);
  });

  it.each([
    [1, 1, 1],
    [3, 7, 2],
    [6400, 64, 64],
    [6401, 44, 220],
    [130, 64, 5],
  ])('M=%i K=%i J=%i: matches a float64 triple loop to float32 rounding', (M, K, J) => {
    // a float32 running sum over M terms: relative error up to ~sqrt(M) * 6e-8 typically (3.5e-6 seen at M = 6401)
    const r = makeRng(M + K + J);
    const x = randArr(r, M * K),
      dy = randArr(r, M * J);
    const out = xtdyArrays(x, dy, M, K, J)!;
    const ref = reference(x, dy, M, K, J);
    expect(maxRelDiff(out.dw, ref.dw)).toBeLessThan(1e-5);
    expect(maxRelDiff(out.db, ref.db)).toBeLessThan(1e-5);
  });
});

describe('wasm kernels on tfjs-wasm (in place on its heap)', () => {
  it('the tfjs-wasm 4.22 internals the kernels rely on are all there (an upgrade that changes them fails here)', async () => {
    await tf.setBackend('wasm');
    expect(wasmInternals(tf.backend())).not.toBeTypeOf('string');
    expect(kernelsReady()).toBe(true);
    // anything else is refused with the reason, and the layers keep the tfjs path
    expect(wasmInternals({})).toBe('backend.wasm.asm.memory (or .wasmMemory) is not a WebAssembly.Memory');
    setWasmKernels(false);
    expect(kernelsReady()).toBe(false);
    setWasmKernels(true);
    await tf.setBackend('cpu');
    expect(kernelsReady()).toBe(false);
  });

  it('LabXtDy / LabColSum = tf.matMul(x, dy, true) / dy.sum(0), no tensors leaked', async () => {
    await tf.setBackend('wasm');
    const r = makeRng(7);
    const [M, K, J] = [803, 44, 221];
    const x = tf.tensor2d(randArr(r, M * K), [M, K]),
      dy = tf.tensor2d(randArr(r, M * J), [M, J]);
    const before = tf.memory().numTensors;
    const dw = xtdy(x, dy),
      db = colsum(dy);
    expect(dw.shape).toEqual([K, J]);
    expect(maxRelDiff(dw.dataSync(), tf.matMul(x, dy, true, false).dataSync())).toBeLessThan(1e-5);
    expect(maxRelDiff(db.dataSync(), dy.sum(0).dataSync())).toBeLessThan(1e-5);
    tf.dispose([dw, db]);
    expect(tf.memory().numTensors).toBe(before + 2); // the two references (matMul, sum) above leaked into the test's scope
    tf.dispose([x, dy]);
  });

  it.each([
    [803, 44, 221], // 401 blocks of 2 rows + 1 row; 13 strips of 16 columns, 3 single vectors, 1 column
    [7, 64, 192], // 12 whole strips
    [5, 17, 36], // 2 strips and 1 vector
    [6, 64, 5],
    [1, 3, 4],
  ])('LabMatMul M=%i K=%i J=%i = tf.matMul(x, w) (+ b): row blocks, column strips and their tails', async (M, K, J) => {
    await tf.setBackend('wasm');
    const r = makeRng(M + J);
    const x = tf.tensor2d(randArr(r, M * K), [M, K]),
      w = tf.tensor2d(randArr(r, K * J), [K, J]),
      b = tf.tensor1d(randArr(r, J));
    const y = matmul(x, w),
      yb = matmul(x, w, b);
    expect(y.shape).toEqual([M, J]);
    expect(maxRelDiff(y.dataSync(), tf.matMul(x, w).dataSync())).toBeLessThan(1e-5);
    expect(maxRelDiff(yb.dataSync(), tf.matMul(x, w).add(b).dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, w, b, y, yb]);
  });

  /**
   * Parity of the layers' gradients: linear / linearOnData through the kernels (wasm) against the tfjs path with the
   * kernels off (wasm) and against the cpu backend, forward and gradients to ~1e-5.
   */
  it.each([
    [6400, 64, 64],
    [6400, 44, 220],
    [6400, 64, 5],
    [130, 7, 3],
  ])('linear M=%i K=%i J=%i: value and gradients equal the tfjs path (wasm kernels off, and cpu)', async (M, K, J) => {
    const r = makeRng(M * 3 + J);
    const xv = randArr(r, M * K),
      wv = randArr(r, K * J).map((v) => v / Math.sqrt(K)),
      bv = randArr(r, J),
      cv = randArr(r, M * J);
    const run = async (backend: string, kernels: boolean) => {
      await tf.setBackend(backend);
      setWasmKernels(kernels);
      const x = tf.tensor2d(xv, [M, K]),
        w = tf.tensor2d(wv, [K, J]),
        b = tf.tensor1d(bv),
        c = tf.tensor2d(cv, [M, J]);
      const f = (xi: tf.Tensor2D, wi: tf.Tensor2D, bi: tf.Tensor1D) => linear(xi, wi, bi).mul(c).sum();
      const g = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([x, w, b]);
      const gd = tf.grads(((wi: tf.Tensor2D, bi: tf.Tensor1D) => linearOnData(x, wi, bi).mul(c).sum()) as (...a: tf.Tensor[]) => tf.Tensor)(
        [w, b],
      );
      const out = [linear(x, w, b), ...g, ...gd].map((t) => t.dataSync().slice());
      tf.dispose([x, w, b, c, ...g, ...gd]);
      setWasmKernels(true);
      return out;
    };
    const mine = await run('wasm', true),
      tfPath = await run('wasm', false),
      cpu = await run('cpu', true);
    for (let i = 0; i < mine.length; i++) {
      expect(maxRelDiff(mine[i], tfPath[i])).toBeLessThan(1e-5);
      expect(maxRelDiff(mine[i], cpu[i])).toBeLessThan(1e-5);
    }
  });

  /**
   * batchMatMul (the attention's many small products, LabBatchMatMul: one 2-D kernel call per matrix) against tf.matMul
   * with the kernels off (wasm) and on the cpu backend: value and both gradients (da = dc b^T, db = a^T dc) to ~1e-5,
   * on the Transformer's shapes (Q K^T: [M heads, 20, 16] x [.., 16, 20]; attn V: [.., 20, 20] x [.., 20, 16]) and odd ones.
   */
  it.each([
    [37, 20, 16, 20],
    [37, 20, 20, 16],
    [5, 3, 7, 9],
    [1, 1, 1, 1],
  ])('batchMatMul B=%i M=%i K=%i J=%i: value and gradients equal tf.matMul (wasm kernels off, and cpu)', async (B, M, K, J) => {
    const r = makeRng(B * 7 + K);
    const av = randArr(r, B * M * K),
      bv = randArr(r, B * K * J),
      cv = randArr(r, B * M * J);
    const run = async (backend: string, kernels: boolean) => {
      await tf.setBackend(backend);
      setWasmKernels(kernels);
      const a = tf.tensor3d(av, [B, M, K]),
        b = tf.tensor3d(bv, [B, K, J]),
        c = tf.tensor3d(cv, [B, M, J]);
      const before = tf.memory().numTensors;
      const g = tf.grads(((ai: tf.Tensor3D, bi: tf.Tensor3D) => batchMatMul(ai, bi).mul(c).sum()) as (...x: tf.Tensor[]) => tf.Tensor)([
        a,
        b,
      ]);
      const y = batchMatMul(a, b);
      const out = [y, ...g].map((t) => t.dataSync().slice());
      tf.dispose([y, ...g]);
      const leaked = tf.memory().numTensors - before;
      tf.dispose([a, b, c]);
      setWasmKernels(true);
      return { out, leaked };
    };
    const mine = await run('wasm', true),
      tfPath = await run('wasm', false),
      cpu = await run('cpu', true);
    expect([mine.leaked, tfPath.leaked]).toEqual([0, 0]);
    // the worked shape: y[0][0][0] = sum_k a[0][0][k] b[0][k][0]
    let y000 = 0;
    for (let k = 0; k < K; k++) y000 += av[k] * bv[k * J];
    expect(mine.out[0][0]).toBeCloseTo(y000, 5);
    for (let i = 0; i < 3; i++) {
      expect(maxRelDiff(mine.out[i], tfPath.out[i])).toBeLessThan(1e-5);
      expect(maxRelDiff(mine.out[i], cpu.out[i])).toBeLessThan(1e-5);
    }
  });

  /**
   * The fused multiply-add variant (relaxed SIMD: what Chromium runs) in V8 with the flag Node 20 needs, in a child
   * process (scripts/kernel-fma-parity.ts): it validates and is chosen, its matmul and x^T dy match a float64 reference
   * to float32 rounding, and it differs from the plain kernels (the fused rounding, on a CPU with FMA as these machines: the variant ran).
   */
  it('the relaxed-SIMD FMA kernels (child V8 with --experimental-wasm-relaxed-simd) match float64 to ~1e-6', () => {
    const out = execFileSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', 'scripts/kernel-fma-parity.ts'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      fma: boolean;
      plainFma: boolean;
      shapes: { matmul: number; xtdy: number; matmulVsPlain: number; xtdyVsPlain: number }[];
    };
    expect(r.fma).toBe(true);
    expect(r.plainFma).toBe(false);
    expect(r.shapes.length).toBe(4);
    for (const s of r.shapes) {
      expect(s.matmul).toBeLessThan(2e-6);
      expect(s.xtdy).toBeLessThan(2e-6);
    }
    expect(Math.max(...r.shapes.map((s) => s.matmulVsPlain))).toBeGreaterThan(0);
    expect(Math.max(...r.shapes.map((s) => s.xtdyVsPlain))).toBeGreaterThan(0);
  });
});
