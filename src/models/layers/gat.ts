/**
 * Graph attention (GAT, Velickovic et al. 2018) over the dynamic stock graphs of DMFM (section 3.1-3.2, eq. 2-6).
 * One head, for a batch of B dates of N stocks with h context features:
 *   z = C W                                   [B, N, h]   projected contexts
 *   s_i = z_i . a_src,  t_j = z_j . a_dst      [B, N]      query / key scores
 *   e_ij = LeakyReLU(s_i + t_j, 0.2)           [B, N, N]   attention logits (GAT's additive form)
 *   alpha_ij = softmax_j(e_ij) over M_ij = 1   [B, N, N]   masked: rows sum to 1, exactly 0 where M_ij = 0
 *   H_i = sum_j alpha_ij z_j                   [B, N, h]   the influence of i's neighbours on i
 * No output nonlinearity: DMFM subtracts H from the context (eq. 4, 6), so H stays in the context's space. With W = I
 * and uniform attention, H is the neighbourhood mean and C - H the classic demeaning (industry / market neutralisation).
 *
 * Graphs (DMFM eq. 2, Definition 2), rebuilt for every date from the batch's masks:
 *   industry: M_ij = 1 when i and j are valid members of the same (known) industry on that date, plus M_ii = 1 always,
 *             so a stock alone in its industry (or of unknown industry) attends only to itself;
 *   universe: M_ij = 1 when both are valid members, plus M_ii = 1.
 * Padding stocks (mask 0) only have their self loop: they never influence a member.
 *
 * Two kernels compute the same H (and the same gradients):
 *  - 'dense': the [B, N, N] logits, masked softmax and a batched matMul. The reference (tests, attention maps) and the
 *    fast path on GPU backends.
 *  - 'sorted': exact, O(N log N + N h) per date, in JS float64 through tf.customGrad (for the cpu / wasm backends, where
 *    [B, N, N] element-wise work and batched matMuls dominate a step). It uses that LeakyReLU is piecewise linear: in a
 *    neighbourhood sorted by t (descending), the pairs with s_i + t_j > 0 form a prefix, so
 *      sum_j exp(e_ij) [z_j, 1] = exp(s_i) * prefix_{c_i} exp(t_j) [z_j, 1] + exp(0.2 s_i) * suffix_{c_i} exp(0.2 t_j) [z_j, 1],
 *    c_i = #{j : t_j > -s_i} (binary search). The backward pass sums over i for each j the same way, sorted by s.
 *    Every exponent is shifted by the row maximum M_i = LeakyReLU(s_i + max_j t_j), so every factor is <= 1.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { glorotUniform, type ParamStore } from '../common';
import type { ConfigField } from '../types';
import { leakyRelu, linear3 } from './ops';
import { kernelsReady } from '../kernels/tfjs-wasm';
import { gatAttendSortedWasm } from './gat-wasm';

/** GAT's LeakyReLU slope for the attention logits (Velickovic et al.) */
export const GAT_SLOPE = 0.2;

export type GatKernel = 'dense' | 'sorted';
export type GraphKind = 'industry' | 'universe';

/** The graph of a batch: which relation, the cross-section mask [B, N] and (industry graph) the ids [B, N]. */
export interface BatchGraph {
  kind: GraphKind;
  /** [B, N] 1 = valid member on that date */
  mask: tf.Tensor2D;
  /** [B, N] industry id, -1 = unknown (required for kind 'industry') */
  industry?: tf.Tensor2D;
}

/** The kernel 'auto' picks: the JS sorted kernel on the CPU backends, dense matMuls on GPU backends. */
export function autoKernel(): GatKernel {
  const b = tf.getBackend();
  return b === 'cpu' || b === 'wasm' ? 'sorted' : 'dense';
}

// ---------------------------------------------------------------------------------------------------------------
// dense kernel

/**
 * Adjacency M [B, N, N] of the industry graph (eq. 2): same known industry among valid stocks, plus the diagonal.
 * industry [B, N] (float ids, -1 unknown), mask [B, N].
 */
export function industryMask(industry: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const N = mask.shape[1];
    const known = industry.greaterEqual(0).toFloat().mul(mask); // [B, N]
    const same = tf.equal(industry.expandDims(2), industry.expandDims(1)).toFloat(); // [B, N, N]
    const both = known.expandDims(2).mul(known.expandDims(1)); // [B, N, N]
    return tf.maximum(same.mul(both), tf.eye(N).expandDims(0)) as tf.Tensor3D; // [B, N, N]
  });
}

/** Adjacency M [B, N, N] of the universe graph: all pairs of valid members, plus the diagonal. mask [B, N]. */
export function universeMask(mask: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const N = mask.shape[1];
    return tf.maximum(mask.expandDims(2).mul(mask.expandDims(1)), tf.eye(N).expandDims(0)) as tf.Tensor3D; // [B, N, N]
  });
}

/** the dense adjacency of a batch graph, [B, N, N] */
export function adjacency(g: BatchGraph): tf.Tensor3D {
  if (g.kind === 'universe') return universeMask(g.mask);
  if (!g.industry)
    throw new LabError(
      'GAT: the industry graph needs industry ids per batch (ForwardContext.industry is missing).',
      'The training loop passes them; a custom caller must too.',
    );
  return industryMask(g.industry, g.mask);
}

/**
 * Masked softmax over the last axis: logits [..., N], mask [..., N] of 0/1 with at least one 1 per row.
 * softmax(logits - 1e9 (1 - mask)) * mask: no -Infinity (no NaN in the gradient), exp(-1e9) underflows to exactly 0,
 * and the final multiply makes the masked entries exactly 0 regardless.
 */
export function maskedSoftmax(logits: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.softmax(logits.add(mask.sub(1).mul(1e9))).mul(mask));
}

/**
 * Dense GAT attention: s [B, N], t [B, N], z [B, N, h], adjacency m [B, N, N] ->
 * { out [B, N, h] = alpha @ z, alpha [B, N, N] }.
 */
export function gatAttendDense(
  s: tf.Tensor2D,
  t: tf.Tensor2D,
  z: tf.Tensor3D,
  m: tf.Tensor3D,
  slope = GAT_SLOPE,
): { out: tf.Tensor3D; alpha: tf.Tensor3D } {
  return tf.tidy(() => {
    const e = leakyRelu(s.expandDims(2).add(t.expandDims(1)), slope); // [B, N, N]  e_ij = LeakyReLU(s_i + t_j)
    const alpha = maskedSoftmax(e, m) as tf.Tensor3D; // [B, N, N]
    return { out: tf.matMul(alpha, z), alpha }; // [B, N, h]
  });
}

// ---------------------------------------------------------------------------------------------------------------
// sorted kernel (exact, JS float64)

/** Neighbourhoods of a batch as CSR: segment q holds stocks members[start[q] .. start[q+1]) of date date[q]. */
export interface Segments {
  B: number;
  N: number;
  members: Int32Array;
  start: Int32Array;
  date: Int32Array;
}

/**
 * The graph's neighbourhoods from plain arrays: industry graph = one segment per (date, known industry) over the
 * valid stocks; universe graph = one segment per date; every other stock (padding, unknown industry) is a
 * singleton segment (its self loop). mask [B * N] 0/1, industry [B * N] ids (-1 unknown; ignored for 'universe').
 */
export function buildSegments(kind: GraphKind, B: number, N: number, mask: ArrayLike<number>, industry?: ArrayLike<number>): Segments {
  const members = new Int32Array(B * N);
  const start: number[] = [0];
  const date: number[] = [];
  let p = 0;
  const groups = new Map<number, number[]>();
  for (let b = 0; b < B; b++) {
    groups.clear();
    const singles: number[] = [];
    for (let n = 0; n < N; n++) {
      const k = b * N + n;
      if (!mask[k]) {
        singles.push(n);
        continue;
      }
      const g = kind === 'universe' ? 0 : Math.round(industry![k]);
      if (g < 0) {
        singles.push(n);
        continue;
      }
      let list = groups.get(g);
      if (!list) {
        list = [];
        groups.set(g, list);
      }
      list.push(n);
    }
    for (const list of groups.values()) {
      for (const n of list) members[p++] = n;
      start.push(p);
      date.push(b);
    }
    for (const n of singles) {
      members[p++] = n;
      start.push(p);
      date.push(b);
    }
  }
  return { B, N, members, start: Int32Array.from(start), date: Int32Array.from(date) };
}

export const leaky = (x: number, a: number) => (x > 0 ? x : a * x);

/** number of entries of `desc` (sorted descending, first n) strictly greater than `v` */
export function countGreater(desc: Float64Array, n: number, v: number): number {
  let lo = 0,
    hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (desc[mid] > v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Scratch buffers reused across calls (the kernel is synchronous, so one set suffices). */
const scratch = { f32: new Float32Array(64), u32: new Uint32Array(64), keys: new Float64Array(64) };
function ensureScratch(n: number) {
  if (scratch.f32.length >= n) return;
  const buf = new ArrayBuffer(4 * n);
  scratch.f32 = new Float32Array(buf);
  scratch.u32 = new Uint32Array(buf);
  scratch.keys = new Float64Array(n);
}
// f32 and u32 must alias the same buffer
{
  const buf = new ArrayBuffer(4 * 64);
  scratch.f32 = new Float32Array(buf);
  scratch.u32 = new Uint32Array(buf);
}

/**
 * Sort the n nodes members[a .. a+n) (+ base) by v descending into ord (global indices) and vDesc (their values).
 * Keys pack the float32's order-preserving bit pattern and the local index into one exact float64, so the native
 * numeric typed-array sort does the work (no comparator calls).
 */
export function argsortDesc(
  v: Float32Array,
  members: Int32Array,
  a: number,
  n: number,
  base: number,
  ord: Int32Array,
  vDesc: Float64Array,
): void {
  ensureScratch(n);
  const { f32, u32, keys } = scratch;
  for (let r = 0; r < n; r++) f32[r] = v[base + members[a + r]];
  for (let r = 0; r < n; r++) {
    const u = u32[r];
    const key = u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0; // ascending in the float's value
    keys[r] = (0xffffffff - key) * 1048576 + r; // descending value, then local index (< 2^20): exact below 2^52
  }
  const k = keys.subarray(0, n).sort();
  for (let r = 0; r < n; r++) {
    const loc = k[r] % 1048576;
    const g = base + members[a + loc];
    ord[r] = g;
    vDesc[r] = v[g];
  }
}

/** prefix SP[r] = sum_{q<r} exp(t_q - tmax) [z_q, 1] and suffix RQ[r] = sum_{q>=r} exp(slope (t_q - tmax)) [z_q, 1], rows 0..n */
function prefixSums(
  ord: Int32Array,
  tDesc: Float64Array,
  n: number,
  tmax: number,
  z: Float32Array,
  h: number,
  slope: number,
  SP: Float64Array,
  RQ: Float64Array,
): void {
  const h1 = h + 1;
  SP.fill(0, 0, h1);
  for (let r = 0; r < n; r++) {
    const zo = ord[r] * h,
      P = Math.exp(tDesc[r] - tmax),
      o0 = r * h1,
      o1 = o0 + h1;
    for (let c = 0; c < h; c++) SP[o1 + c] = SP[o0 + c] + P * z[zo + c];
    SP[o1 + h] = SP[o0 + h] + P;
  }
  RQ.fill(0, n * h1, (n + 1) * h1);
  for (let r = n - 1; r >= 0; r--) {
    const zo = ord[r] * h,
      Q = Math.exp(slope * (tDesc[r] - tmax)),
      o0 = r * h1,
      o1 = o0 + h1;
    for (let c = 0; c < h; c++) RQ[o0 + c] = RQ[o1 + c] + Q * z[zo + c];
    RQ[o0 + h] = RQ[o1 + h] + Q;
  }
}

/** Float64 work buffers of the kernels, grown on demand and reused across calls (the kernels are synchronous). */
const work: Record<string, Float64Array> = {};
const buf = (key: string, n: number): Float64Array => (work[key]?.length >= n ? work[key] : (work[key] = new Float64Array(n)));

/** largest segment of a batch */
const maxSegment = (seg: Segments) => {
  let m = 1;
  for (let q = 0; q < seg.date.length; q++) m = Math.max(m, seg.start[q + 1] - seg.start[q]);
  return m;
};

/**
 * Forward of the sorted kernel on plain arrays: s, t [B * N], z [B * N * h] -> out [B * N * h].
 * Also returns what the backward pass reuses, so it needs neither the t-order sort nor the z prefix sums again:
 * per node the two halves of out, U_i = A_i SP_z / den_i and V_i = B_i RQ_z / den_i [B * N * h] (out = U + V), their
 * weights w1_i = A_i SP_1 / den_i, w2_i = B_i RQ_1 / den_i (w1 + w2 = 1), and per segment the t order (ordT, tDesc at
 * the segment's positions start[q] ..) and t-max.
 */
export function sortedAttendForward(seg: Segments, s: Float32Array, t: Float32Array, z: Float32Array, h: number, slope: number) {
  const { B, N, members, start } = seg;
  const out = new Float32Array(B * N * h);
  const U = new Float64Array(B * N * h),
    V = new Float64Array(B * N * h);
  const w1 = new Float64Array(B * N),
    w2 = new Float64Array(B * N);
  const den = new Float64Array(B * N),
    Ai = new Float64Array(B * N),
    Bi = new Float64Array(B * N);
  const ordT = new Int32Array(B * N),
    tDescAll = new Float64Array(B * N);
  const tmaxOf = new Float64Array(seg.date.length);
  const h1 = h + 1,
    nMax = maxSegment(seg);
  const SP = buf('SP', (nMax + 1) * h1),
    RQ = buf('RQ', (nMax + 1) * h1);
  for (let q = 0; q < seg.date.length; q++) {
    const a = start[q],
      n = start[q + 1] - a,
      base = seg.date[q] * N;
    if (n === 1) {
      // self loop only: alpha_ii = 1, out_i = z_i
      const k = base + members[a];
      out.set(z.subarray(k * h, (k + 1) * h), k * h);
      for (let c = 0; c < h; c++) U[k * h + c] = z[k * h + c];
      w1[k] = 1;
      den[k] = 1;
      Ai[k] = 1;
      Bi[k] = 1;
      ordT[a] = k;
      tDescAll[a] = t[k];
      tmaxOf[q] = t[k];
      continue;
    }
    const ord = ordT.subarray(a, a + n),
      tDesc = tDescAll.subarray(a, a + n);
    argsortDesc(t, members, a, n, base, ord, tDesc);
    const tmax = tDesc[0];
    tmaxOf[q] = tmax;
    prefixSums(ord, tDesc, n, tmax, z, h, slope, SP, RQ);
    for (let r = 0; r < n; r++) {
      const i = ord[r],
        si = s[i];
      const ci = countGreater(tDesc, n, -si); // pairs with s_i + t_j > 0: the first ci in t order
      const Mi = leaky(si + tmax, slope); // row max of e_ij
      const A = Math.exp(si + tmax - Mi),
        Bq = Math.exp(slope * (si + tmax) - Mi);
      const o = ci * h1;
      const d = A * SP[o + h] + Bq * RQ[o + h];
      const Ad = A / d,
        Bd = Bq / d,
        io = i * h;
      for (let c = 0; c < h; c++) {
        const u = Ad * SP[o + c],
          v = Bd * RQ[o + c];
        U[io + c] = u;
        V[io + c] = v;
        out[io + c] = u + v;
      }
      w1[i] = Ad * SP[o + h];
      w2[i] = Bd * RQ[o + h];
      den[i] = d;
      Ai[i] = A;
      Bi[i] = Bq;
    }
  }
  return { out, U, V, w1, w2, den, Ai, Bi, ordT, tDescAll, tmaxOf };
}

/**
 * Backward of the sorted kernel: given g = dL/dout [B * N * h], returns ds, dt [B * N], dz [B * N * h].
 *   alpha_ij = w_ij / den_i, lambda_ij = 1 (s_i + t_j > 0) or slope;  q_i = g_i . out_i
 *   dz_j = sum_i alpha_ij g_i
 *   ds_i = sum_j alpha_ij lambda_ij (g_i . z_j - q_i) = g_i . (U_i + slope V_i) - q_i (w1_i + slope w2_i)
 *   dt_j = sum_i alpha_ij lambda_ij (g_i . z_j - q_i)
 * For fixed j the rows with s_i + t_j > 0 are a prefix of the nodes sorted by s: prefix / suffix sums again.
 */
export function sortedAttendBackward(
  seg: Segments,
  s: Float32Array,
  _t: Float32Array,
  z: Float32Array,
  h: number,
  slope: number,
  fw: ReturnType<typeof sortedAttendForward>,
  g: Float32Array,
) {
  const { B, N, members, start } = seg;
  const ds = new Float32Array(B * N),
    dt = new Float32Array(B * N),
    dz = new Float32Array(B * N * h);
  const { U, V, w1, w2, den, Ai, Bi, ordT, tDescAll, tmaxOf } = fw;
  const h2 = h + 2,
    nMax = maxSegment(seg);
  const GP = buf('GP', (nMax + 1) * h2),
    GQ = buf('GQ', (nMax + 1) * h2);
  const byS = new Int32Array(nMax),
    sDesc = buf('sDesc', nMax);
  const q = new Float64Array(B * N); // q_i = g_i . out_i
  for (let sg = 0; sg < seg.date.length; sg++) {
    const a = start[sg],
      n = start[sg + 1] - a,
      base = seg.date[sg] * N;
    if (n === 1) {
      // out_i = z_i: dz_i = g_i, no dependence on s, t
      const k = base + members[a];
      dz.set(g.subarray(k * h, (k + 1) * h), k * h);
      continue;
    }
    const tmax = tmaxOf[sg];
    const byT = ordT.subarray(a, a + n),
      tDesc = tDescAll.subarray(a, a + n);
    argsortDesc(s, members, a, n, base, byS, sDesc);
    for (let r = 0; r < n; r++) {
      const i = byT[r],
        io = i * h;
      let gu = 0,
        gv = 0;
      for (let c = 0; c < h; c++) {
        gu += g[io + c] * U[io + c];
        gv += g[io + c] * V[io + c];
      }
      const qi = gu + gv;
      q[i] = qi;
      ds[i] = gu + slope * gv - qi * (w1[i] + slope * w2[i]);
    }
    // GP[r] = sum_{q < r in s order} (A_i / den_i) [g_i, q_i];  GQ[r] = sum_{q >= r} (B_i / den_i) [g_i, q_i]
    GP.fill(0, 0, h2);
    for (let r = 0; r < n; r++) {
      const i = byS[r],
        io = i * h,
        w = Ai[i] / den[i],
        o0 = r * h2,
        o1 = o0 + h2;
      for (let c = 0; c < h; c++) GP[o1 + c] = GP[o0 + c] + w * g[io + c];
      GP[o1 + h] = GP[o0 + h] + w * q[i];
    }
    GQ.fill(0, n * h2, (n + 1) * h2);
    for (let r = n - 1; r >= 0; r--) {
      const i = byS[r],
        io = i * h,
        w = Bi[i] / den[i],
        o0 = r * h2,
        o1 = o0 + h2;
      for (let c = 0; c < h; c++) GQ[o0 + c] = GQ[o1 + c] + w * g[io + c];
      GQ[o0 + h] = GQ[o1 + h] + w * q[i];
    }
    for (let r = 0; r < n; r++) {
      const j = byT[r],
        tj = tDesc[r],
        jo = j * h;
      const dj = countGreater(sDesc, n, -tj); // rows i with s_i + t_j > 0: the first dj in s order
      const P = Math.exp(tj - tmax),
        Q = Math.exp(slope * (tj - tmax)),
        sQ = slope * Q;
      const o = dj * h2;
      let zu = 0;
      for (let c = 0; c < h; c++) {
        const gp = GP[o + c],
          gq = GQ[o + c];
        dz[jo + c] = P * gp + Q * gq;
        zu += z[jo + c] * (P * gp + sQ * gq);
      }
      dt[j] = zu - (P * GP[o + h] + sQ * GQ[o + h]);
    }
  }
  return { ds, dt, dz };
}

/**
 * Sorted-kernel GAT attention as a differentiable tfjs op: s [B, N], t [B, N], z [B, N, h] -> out [B, N, h].
 * The neighbourhoods are constants of the batch (no gradient flows into the graph).
 */
export function gatAttendSorted(s: tf.Tensor2D, t: tf.Tensor2D, z: tf.Tensor3D, seg: Segments, slope = GAT_SLOPE): tf.Tensor3D {
  const [B, N, h] = z.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [sT, tT, zT] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor3D];
    const sv = sT.dataSync() as Float32Array,
      tv = tT.dataSync() as Float32Array,
      zv = zT.dataSync() as Float32Array;
    const fw = sortedAttendForward(seg, sv, tv, zv, h, slope);
    return {
      value: tf.tensor3d(fw.out, [B, N, h]),
      gradFunc: (dy: tf.Tensor) => {
        const g = sortedAttendBackward(seg, sv, tv, zv, h, slope, fw, dy.dataSync() as Float32Array);
        return [tf.tensor2d(g.ds, [B, N]), tf.tensor2d(g.dt, [B, N]), tf.tensor3d(g.dz, [B, N, h])];
      },
    };
  }) as (s: tf.Tensor2D, t: tf.Tensor2D, z: tf.Tensor3D) => tf.Tensor3D;
  return op(s, t, z);
}

/**
 * The sorted kernel on the scores as the layer computes them, st = z a [B, N, 2] (query s_i, key t_j interleaved):
 * the same op as gatAttendSorted, without slicing st into s and t (two strided wasm Slice kernels forward and two
 * PadV2 + Add backward per GAT); the gradient is returned interleaved the same way.
 */
export function gatAttendSortedST(st: tf.Tensor3D, z: tf.Tensor3D, seg: Segments, slope = GAT_SLOPE): tf.Tensor3D {
  const [B, N, h] = z.shape;
  // on tfjs-wasm: the same kernel with its O(n h) loops in wasm SIMD, in place on the heap (gat-wasm.ts)
  if (kernelsReady() && h % 2 === 0) return gatAttendSortedWasm(st, z, seg, slope);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [stT, zT] = args as [tf.Tensor3D, tf.Tensor3D];
    const stv = stT.dataSync() as Float32Array,
      zv = zT.dataSync() as Float32Array;
    const sv = new Float32Array(B * N),
      tv = new Float32Array(B * N);
    for (let k = 0; k < B * N; k++) {
      sv[k] = stv[2 * k];
      tv[k] = stv[2 * k + 1];
    }
    const fw = sortedAttendForward(seg, sv, tv, zv, h, slope);
    return {
      value: tf.tensor3d(fw.out, [B, N, h]),
      gradFunc: (dy: tf.Tensor) => {
        const g = sortedAttendBackward(seg, sv, tv, zv, h, slope, fw, dy.dataSync() as Float32Array);
        const dst = new Float32Array(2 * B * N);
        for (let k = 0; k < B * N; k++) {
          dst[2 * k] = g.ds[k];
          dst[2 * k + 1] = g.dt[k];
        }
        return [tf.tensor3d(dst, [B, N, 2]), tf.tensor3d(g.dz, [B, N, h])];
      },
    };
  }) as (st: tf.Tensor3D, z: tf.Tensor3D) => tf.Tensor3D;
  return op(st, z);
}

// ---------------------------------------------------------------------------------------------------------------
// the layer

/** Parameters of one GAT head: W [h, h] and the attention vectors a = [a_src, a_dst] as one [h, 2] matrix. */
export interface GatParams {
  w: tf.Variable;
  a: tf.Variable;
}

/** The GAT settings of a model's config schema (DMFM, MGAT). */
export const gatFields: ConfigField[] = [
  {
    key: 'gatInit',
    label: 'GAT init',
    default: 'identity',
    options: ['identity', 'glorot'],
    help: "'identity': the GAT projection W starts as the identity (the attention vector is random), so H starts as an attention-weighted mean of each stock's industry / universe neighbours (itself included) and C - H as a weighted demeaning, which training refines (with uniform attention it would be the classic neutralisation, plain demeaning); 'glorot': W is random too.",
  },
  {
    key: 'gatKernel',
    label: 'GAT kernel',
    default: 'auto',
    options: ['auto', 'dense', 'sorted'],
    help: "How attention is computed (same numbers): 'dense' builds the [dates, N, N] attention (fast on GPU backends); 'sorted' is an exact O(N log N) JS kernel that uses that GAT logits are LeakyReLU(s_i + t_j) (fast on cpu / wasm); 'auto' picks by backend.",
  },
];

/**
 * GAT parameters: W [h, h] (identity or Glorot) and a [h, 2] (Glorot, in both cases). With 'identity', H starts as an
 * attention-weighted mean of each stock's neighbourhood, so C - H starts as a weighted demeaning by industry /
 * universe (plain demeaning only if a were 0). a = 0 was tried: on the synthetic industry-relative market
 * (dmfm-synthetic.test.ts) DMFM's out-of-sample h5 IC fell from 0.204 to 0.139, so a stays random.
 */
export function gatParams(p: ParamStore, name: string, h: number, init: string): GatParams {
  const eye = new Float32Array(h * h);
  for (let i = 0; i < h; i++) eye[i * h + i] = 1;
  const w = p.add(`${name}/W`, [h, h], init === 'identity' ? eye : glorotUniform(p.rng, h, h), true);
  const a = p.add(`${name}/a`, [h, 2], glorotUniform(p.rng, h, 2), true);
  return { w, a };
}

/** the kernel a config asks for ('auto' resolved against the current backend) */
export const kernelOf = (cfg: Record<string, unknown>): GatKernel =>
  cfg.gatKernel === 'dense' || cfg.gatKernel === 'sorted' ? cfg.gatKernel : autoKernel();

/** The neighbourhoods of a batch graph for the sorted kernel (reads the small [B, N] masks back). */
export function segmentsOf(g: BatchGraph): Segments {
  const [B, N] = g.mask.shape;
  if (g.kind === 'industry' && !g.industry)
    throw new LabError(
      'GAT: the industry graph needs industry ids per batch (ForwardContext.industry is missing).',
      'The training loop passes them; a custom caller must too.',
    );
  return buildSegments(g.kind, B, N, g.mask.dataSync(), g.kind === 'industry' ? g.industry!.dataSync() : undefined);
}

/**
 * H = GAT(C) over the batch graph (DMFM eq. 3 / eq. 5): c [B, N, h] -> { h [B, N, h], alpha [B, N, N] (dense kernel only) }.
 * `pre`: precomputed adjacency (dense) or segments (sorted), when the caller reuses them.
 */
export function gatLayer(
  c: tf.Tensor3D,
  p: GatParams,
  g: BatchGraph,
  kernel: GatKernel,
  pre?: tf.Tensor3D | Segments,
): { h: tf.Tensor3D; alpha?: tf.Tensor3D } {
  return tf.tidy(() => {
    const [B, N] = c.shape;
    const z = linear3(c, p.w as tf.Tensor2D); // [B, N, h]
    const st = linear3(z, p.a as tf.Tensor2D); // [B, N, 2]  [s_i, t_i]
    if (kernel === 'sorted') {
      const seg = (pre && !(pre instanceof tf.Tensor) ? pre : segmentsOf(g)) as Segments;
      return { h: gatAttendSortedST(st, z, seg) };
    }
    const s = st.slice([0, 0, 0], [B, N, 1]).reshape([B, N]) as tf.Tensor2D; // [B, N] query score
    const t = st.slice([0, 0, 1], [B, N, 1]).reshape([B, N]) as tf.Tensor2D; // [B, N] key score
    const m = pre instanceof tf.Tensor ? pre : adjacency(g);
    const r = gatAttendDense(s, t, z, m);
    return { h: r.out, alpha: r.alpha };
  });
}
