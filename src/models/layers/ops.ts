/**
 * Fused / cheaper building blocks with hand-written gradients, same numbers as the plain tfjs ops.
 * Measured on tfjs-wasm 4.22 in Node, [16, 400, 220] float32 (min of 15 runs, 2 shared cores):
 *   leakyRelu 9.4 ms, maximum 18 ms, where/select 17 ms, greater 7.5 ms   vs   step 1.2 ms, mul 1.7 ms;
 *   matMul with transposeA 138 ms   vs   explicit transpose + matMul 7 ms ([44, 6400] @ [6400, 220]).
 * So: LeakyReLU is x * step(x, slope) with gradient dy * step(x, slope) (tfjs' own gradient is greater + select + mul);
 * transposes are explicit on wasm and placed by operand width (paramGrads); and a dense layer on constant data (the
 * raw factors) skips the input gradient altogether.
 */
import * as tf from '@tensorflow/tfjs';
import { bmm, colsum, kernelsReady, matmul, xtdy } from '../kernels/tfjs-wasm';

const onWasm = () => tf.getBackend() === 'wasm';

/** LeakyReLU(x) = x * step(x, slope), where step(x, a) = 1 if x > 0 else a; d/dx = step(x, slope). Any shape. */
export function leakyRelu<T extends tf.Tensor>(x: T, slope: number): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const s = tf.step(xi, slope);
    save([s]);
    return { value: xi.mul(s), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [dy.mul(saved[0])] };
  }) as (x: tf.Tensor) => tf.Tensor;
  return op(x) as T;
}

/**
 * x^T, shared by the backward passes of every layer that reads the same data: DMFM feeds C to the industry GAT and
 * to a head block, C_I to the universe GAT and another head block, so a backward pass would transpose each twice.
 * Keyed by the buffer (a saved input is a clone sharing its buffer, src/train/tf.ts) and dropped once disposed (the
 * transposes live until the end of the backward pass that made them).
 */
const transposes = new WeakMap<object, tf.Tensor2D>();
function transposeOf(x: tf.Tensor2D): tf.Tensor2D {
  const hit = transposes.get(x.dataId);
  if (hit && !hit.isDisposed && hit.shape[0] === x.shape[1] && hit.shape[1] === x.shape[0]) return hit;
  const xT = x.transpose() as tf.Tensor2D;
  transposes.set(x.dataId, xT);
  return xT;
}

/**
 * Gradients of y = x @ w (+ b) w.r.t. w (and b): dw = x^T dy, db = 1^T dy, for x [M, K], dy [M, J].
 * On wasm XNNPACK re-packs the right operand of a matMul whenever it is a new tensor (~6 ns per element) and a
 * transpose costs ~3.6 ns per element, so the [M, *] operand with fewer columns goes on the right:
 *   J <= K: dw = x^T @ dy,        db = column sums of dy (two-stage reduction)
 *   J >  K: dw = (dy^T @ x)^T,    db = row sums of dy^T (a contiguous reduction, reusing the transpose)
 * Measured (cpu-ms, M = 6400): dw for K 44 / J 220: 13.9 (x^T @ dy) vs 12.2; K 64 / J 5: 1.0 vs 2.0. db for J 220:
 * ones[1, M] @ dy 8.8, sum(0) 5.7, [M/64, 64, J] two-stage 2.3, reusing dy^T ~1.
 */
function paramGrads(x: tf.Tensor2D, dy: tf.Tensor2D, withBias: boolean): tf.Tensor[] {
  // the lab's wasm SIMD kernel (src/models/kernels): x^T dy and 1^T dy in place on the wasm heap, no transpose
  if (kernelsReady()) return withBias ? [xtdy(x, dy), colsum(dy)] : [xtdy(x, dy)];
  if (!onWasm()) return withBias ? [tf.matMul(x, dy, true, false), dy.sum(0)] : [tf.matMul(x, dy, true, false)];
  const [M, J] = dy.shape;
  if (J <= x.shape[1]) {
    const dw = tf.matMul(transposeOf(x), dy);
    if (!withBias) return [dw];
    const db =
      J > 8 && M % 64 === 0
        ? dy
            .reshape([M / 64, 64, J])
            .sum(1)
            .sum(0)
        : dy.sum(0);
    return [dw, db];
  }
  const dyT = dy.transpose() as tf.Tensor2D; // [J, M]
  const dw = tf.matMul(dyT, x).transpose();
  return withBias ? [dw, dyT.sum(1)] : [dw];
}

/** x @ w (+ b): the lab's wasm SIMD kernel (bias fused, no re-packing of w) where it runs, else tfjs' matMul (+ add) */
const forward = (x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D =>
  kernelsReady() ? matmul(x, w, b) : b ? tf.matMul(x, w).add(b) : tf.matMul(x, w);

/**
 * Batched c = a @ b: a [B, M, K], b [B, K, J] -> [B, M, J]; gradients da = dc b^T, db = a^T dc (explicit transposes,
 * so every product is a plain one). On tfjs-wasm with the lab's kernels each matrix is one call of the 2-D kernel
 * (kernels/tfjs-wasm.ts bmm): on many small matrices (self-attention over 20 days: 3,200 of [20, 16] x [16, 20] a step)
 * tfjs' batched matMul spends ~9 us per matrix on set-up; elsewhere tf.matMul.
 */
export function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (!kernelsReady()) return tf.matMul(a, b);
  const t = (x: tf.Tensor3D) => tf.transpose(x, [0, 2, 1]) as tf.Tensor3D;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [ai, bi, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
    save([ai, bi]);
    return {
      value: bmm(ai, bi),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [as, bs] = saved as [tf.Tensor3D, tf.Tensor3D];
        const g = dy as tf.Tensor3D;
        return [bmm(g, t(bs)), bmm(t(as), g)];
      },
    };
  });
  return op(a, b) as tf.Tensor3D;
}

/** y = x @ w (+ b): x [M, K], w [K, J], b [J] -> [M, J]; gradients dx = dy w^T, dw = x^T dy, db = 1^T dy */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const dx = (dy: tf.Tensor2D, ws: tf.Tensor2D) =>
    kernelsReady()
      ? matmul(dy, ws.transpose() as tf.Tensor2D)
      : onWasm()
        ? tf.matMul(dy, ws.transpose() as tf.Tensor2D)
        : tf.matMul(dy, ws, false, true);
  if (b) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xi, wi, bi, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
      save([xi, wi]);
      return {
        value: forward(xi, wi, bi),
        gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
          dx(dy as tf.Tensor2D, ws as tf.Tensor2D),
          ...paramGrads(xs as tf.Tensor2D, dy as tf.Tensor2D, true),
        ],
      };
    }) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
    return op(x, w, b);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([xi, wi]);
    return {
      value: forward(xi, wi),
      gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
        dx(dy as tf.Tensor2D, ws as tf.Tensor2D),
        ...paramGrads(xs as tf.Tensor2D, dy as tf.Tensor2D, false),
      ],
    };
  }) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
  return op(x, w);
}

/**
 * y = x @ w + b for data x that needs no gradient (the raw factors): x [M, K] is a constant of the op, so the backward
 * pass computes only dw = x^T dy and db = 1^T dy.
 */
export function linearOnData(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [wi, bi, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    save([x]); // kept by the tape for the backward pass (x may be disposed by the caller's tidy before it runs)
    return {
      value: forward(x, wi, bi),
      gradFunc: (dy: tf.Tensor, [xs]: tf.Tensor[]) => paramGrads(xs as tf.Tensor2D, dy as tf.Tensor2D, true),
    };
  }) as (w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
  return op(w, b);
}

/** a dense layer on every stock of every date: x [B, N, K] @ w [K, J] (+ b) -> [B, N, J] */
export function linear3(x: tf.Tensor3D, w: tf.Tensor2D, b?: tf.Tensor1D, data = false): tf.Tensor3D {
  const [B, N, K] = x.shape;
  const x2 = x.reshape([B * N, K]) as tf.Tensor2D;
  const y = data && b ? linearOnData(x2, w, b) : linear(x2, w, b);
  return y.reshape([B, N, w.shape[1]]);
}
