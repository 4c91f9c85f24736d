/**
 * FactorVAE's attention scores (eq. 14) as one op on tfjs-wasm with the lab's kernels: for R = B N stocks, K heads,
 *   key_ik = e_i W_key,k    (one [R, H] x [H, K H] matmul)
 *   cos_ik = (q^_k . key_ik) / sqrt(||key_ik||^2 + 1e-12),   q^_k = q_k / ||q_k||     -> [R, K]
 * with the scores and their backward in one JS loop over the keys on the heap:
 *   d key_ik = g_ik (q^_k / ||key_ik|| - cos_ik key_ik / ||key_ik||^2),   d q^_k = sum_i g_ik key_ik / ||key_ik||
 *   d e = d keys W_key^T (one matmul), d W_key = e^T d keys (the lab's xtdy kernel)
 * (the normalisation of q stays in tfjs ops, so its gradient is autodiff's). The op-based path of factorvae.ts
 * (cosineScores over keys [B, N, K, H]: squares, products, sums and their gradients on 4 tensors of R K H floats, ~10 ms
 * at R = 400, K = 32, H = 64) is the reference and runs on every other backend; attention-wasm.test.ts compares both.
 */
import * as tf from '@tensorflow/tfjs';
import { heapKernels, kernelsReady, matmul, offset, xtdy } from '../kernels/tfjs-wasm';
import { cosKernelsFor } from '../kernels/cos-kernels';

let simdLoops = true;
/** use the wasm SIMD loops of kernels/cos-kernels.ts (default) or the JS loops below (A/B, tests) */
export function setCosSimd(on: boolean): void {
  simdLoops = on;
}

/** true where the fused scores run: tfjs-wasm with the lab's kernels on */
export const cosineScoresFusedReady = (): boolean => kernelsReady();

/** cos [R, K] of e [R, H], W_key [H, K H] and the queries q [K, H] (see the file comment); requires kernelsReady() */
export function cosineScoresFused(e: tf.Tensor2D, wkey: tf.Tensor2D, q: tf.Tensor2D): tf.Tensor2D {
  const [R, H] = e.shape;
  const K = q.shape[0];
  if (wkey.shape[0] !== H || wkey.shape[1] !== K * H)
    throw new Error(`cosineScoresFused: W_key [${wkey.shape.join(', ')}] does not match e [${R}, ${H}] and ${K} heads.`);
  return tf.tidy(() => {
    const qn = q.div(q.square().sum(1, true).add(1e-12).sqrt()) as tf.Tensor2D; // [K, H]  q / ||q||
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [ei, wi, qi, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
      // [R, K H] by tfjs' matMul (XNNPACK): the lab's matmul kernel streams W by columns, slower for a W as wide as
      // K H = 2048 (the scores' forward + backward 16.9-20.6 ms with it vs 13.3-13.5 with tfjs', R 400, H 64)
      const keys = tf.matMul(ei, wi);
      const { be, k } = heapKernels();
      const out = be.makeOutput([R, K], 'float32'),
        kn = be.makeOutput([R, K], 'float32');
      const ck = simdLoops && H % 4 === 0 ? cosKernelsFor(k.memory) : null;
      if (ck) ck.cosFwd(offset(be, keys), offset(be, qi), offset(be, out), offset(be, kn), R, K, H);
      else {
        const heap = new Float32Array(k.memory.buffer);
        const kq = offset(be, keys) >>> 2,
          qq = offset(be, qi) >>> 2,
          oq = offset(be, out) >>> 2,
          nq = offset(be, kn) >>> 2;
        for (let r = 0; r < R; r++)
          for (let h = 0; h < K; h++) {
            const kb = kq + (r * K + h) * H,
              qb = qq + h * H;
            let s1 = 0,
              s2 = 0;
            for (let j = 0; j < H; j++) {
              const v = heap[kb + j];
              s1 += v * v;
              s2 += v * heap[qb + j];
            }
            const n = Math.sqrt(s1 + 1e-12);
            heap[nq + r * K + h] = n;
            heap[oq + r * K + h] = s2 / n;
          }
      }
      const e2 = tf.engine();
      const value = e2.makeTensorFromTensorInfo(out) as tf.Tensor2D;
      save([ei, wi, qi, keys, e2.makeTensorFromTensorInfo(kn), value]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => {
          const [es, ws, qs, ks, ns, cs] = s;
          const r2 = heapKernels();
          const dkeys = r2.be.makeOutput([R, K * H], 'float32');
          const ck2 = simdLoops && H % 4 === 0 ? cosKernelsFor(r2.k.memory) : null;
          let dqt: tf.Tensor2D;
          if (ck2) {
            // the wasm SIMD loops (kernels/cos-kernels.ts): d keys and d q^ on the heap
            const dqo = r2.be.makeOutput([K, H], 'float32');
            const o = (t: tf.TensorInfo) => offset(r2.be, t);
            ck2.cosBack(o(ks), o(qs), o(ns), o(cs), o(dy), o(dkeys), o(dqo), R, K, H);
            dqt = tf.engine().makeTensorFromTensorInfo(dqo) as tf.Tensor2D;
          } else {
            const dq = new Float64Array(K * H);
            const hp = new Float32Array(r2.k.memory.buffer);
            const kq2 = offset(r2.be, ks) >>> 2,
              qq2 = offset(r2.be, qs) >>> 2,
              nq2 = offset(r2.be, ns) >>> 2,
              cq = offset(r2.be, cs) >>> 2,
              gq = offset(r2.be, dy) >>> 2,
              dq2 = offset(r2.be, dkeys) >>> 2;
            for (let r = 0; r < R; r++)
              for (let h = 0; h < K; h++) {
                const i = r * K + h;
                const g = hp[gq + i],
                  inv = 1 / hp[nq2 + i],
                  c = hp[cq + i];
                const kb = kq2 + i * H,
                  db = dq2 + i * H,
                  qb = qq2 + h * H;
                const a = g * inv,
                  b = g * c * inv * inv;
                for (let j = 0; j < H; j++) {
                  const v = hp[kb + j];
                  hp[db + j] = a * hp[qb + j] - b * v;
                  dq[h * H + j] += a * v;
                }
              }
            dqt = tf.tensor2d(Float32Array.from(dq), [K, H]);
          }
          const dk = tf.engine().makeTensorFromTensorInfo(dkeys) as tf.Tensor2D;
          const wT = ws.transpose() as tf.Tensor2D; // [K H, H]
          const de = matmul(dk, wT); // d e = d keys W_key^T
          const dw = xtdy(es as tf.Tensor2D, dk); // d W_key = e^T d keys
          tf.dispose([dk, wT]);
          return [de, dw, dqt];
        },
      };
    }) as (e: tf.Tensor2D, w: tf.Tensor2D, q: tf.Tensor2D) => tf.Tensor2D;
    return op(e, wkey, qn);
  });
}
