/**
 * The GRU of gru.ts (PyTorch's cell, reset after the recurrent matmul, mask-aware) as ONE differentiable op on
 * tfjs-wasm, working in place on tfjs-wasm's heap with the lab's wasm SIMD kernels (src/models/kernels):
 *   forward   G_x = X W_x + b_x for all M L rows at once (one [M L, I] x [I, 3H] matmul); per step one
 *             G_h = h_{t-1} W_h + b_h ([M, H] x [H, 3H]) and the gates in JS over the heap:
 *               r = sigmoid(G_x,r + G_h,r), z = sigmoid(G_x,z + G_h,z), n = tanh(G_x,n + r G_h,n),
 *               h' = n + z (h_{t-1} - n),   h_t = h_{t-1} + m_t (h' - h_{t-1})       (m_t the step mask)
 *             keeping h_{t-1} [L M, H] and (r, z, n, G_h,n) [L M, 4H] for the backward pass (only when a gradient
 *             tape records: inference keeps two state buffers and one step of gates).
 *   backward  backpropagation through time by hand, per step (t = L-1 .. 0), with d = dL/dh_t:
 *               dh' = m_t d,  dn = dh' (1 - z),  dz = dh' (h_{t-1} - n),
 *               da_n = dn (1 - n^2),  dr = da_n G_h,n,  da_r = dr r (1 - r),  da_z = dz z (1 - z)
 *               dG_x = [da_r | da_z | da_n],  dG_h = [da_r | da_z | da_n r]
 *               dL/dh_{t-1} = (1 - m_t) d + dh' z + dG_h W_h^T          (one [M, 3H] x [3H, H] matmul per step)
 *             then the parameter and input gradients as single matmuls over all steps:
 *               dW_h = H_prev^T dG_h, db_h = 1^T dG_h  ([L M] rows),  dW_x = X^T dG_x, db_x = 1^T dG_x,
 *               dX = dG_x W_x^T  (skipped for data input).
 * The op-based path in gru.ts (tfjs ops + autodiff) stays the reference and runs on every other backend, and on wasm
 * when the lab's kernels are off (`setWasmKernels(false)`, `?kernels=off`, LAB_KERNELS=off); gru-fused.test.ts
 * checks that both give the same values and gradients.
 *
 * Why: tfjs autodiff records ~20 kernels per GRU step (plus their gradients), each with its own output allocation;
 * here a step is one matmul call on the heap and one JS loop over [M, H] (README "Speed", issue 12).
 */
import * as tf from '@tensorflow/tfjs';
import { gruKernelsFor } from '../kernels/gru-kernels';
import { heapKernels, kernelsReady, offset } from '../kernels/tfjs-wasm';
import type { GruOptions, GruOutput, GruParams } from './gru';

let fusedOn = true;
let simdGates = true;
/** use the wasm SIMD gates kernels (default) or the JS loops (A/B, tests) in the fused forward and backward */
export function setGruSimdGates(on: boolean): void {
  simdGates = on;
}
/** switch the fused GRU off (A/B measurements, LAB_GRU_FUSED=off in the benchmarks) or back on */
export function setGruFused(on: boolean): void {
  fusedOn = on;
}

/** true where the fused GRU runs: tfjs-wasm with the lab's kernels switched on (and the fused GRU not switched off) */
export const gruFusedReady = (): boolean => fusedOn && kernelsReady();

/** whether a gradient tape records now (tfjs engine internals; assume yes when they are missing) */
function taping(): boolean {
  const e = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return typeof e.isTapeOn === 'function' ? e.isTapeOn() : true;
}

/** 2^k for k = -150 .. 150 */
const POW2 = Float64Array.from({ length: 301 }, (_, i) => Math.pow(2, i - 150));
const LOG2E = Math.LOG2E,
  LN2_HI = 0.6931471803691238, // ln 2 split so that k LN2_HI is exact for |k| <= 150
  LN2_LO = 1.9082149292705877e-10;
/**
 * exp(x) in plain arithmetic (V8's Math.exp is a call into C: ~13 ns, this ~5 ns): x = k ln 2 + r with |r| <= ln2 / 2,
 * exp(r) by its Taylor polynomial of degree 7 (relative error < 1e-8, far below float32 rounding), times 2^k from a
 * table. x is clamped to [-87, 88] (float32's range), which is exact for the sigmoid / tanh below.
 */
export function fastExp(x: number): number {
  x = x < -87 ? -87 : x > 88 ? 88 : x;
  const k = Math.floor(x * LOG2E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  const p = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040)))))));
  return p * POW2[k + 150];
}

type Be = ReturnType<typeof heapKernels>['be'];

/** heap scratch: one malloc carved into 16-byte aligned float32 arrays (byte offsets), freed by free() */
function scratch(be: Be, spec: Record<string, number>) {
  const offs: Record<string, number> = {};
  let total = 0;
  for (const [k, floats] of Object.entries(spec)) {
    offs[k] = total;
    total += Math.ceil((4 * floats) / 16) * 16;
  }
  const base = be.wasm._malloc(total + 16) >>> 0;
  const aligned = Math.ceil(base / 16) * 16;
  for (const k of Object.keys(offs)) offs[k] += aligned;
  return { ptr: offs, free: () => be.wasm._free(base) };
}

/** w [R, C] (at byte offset src) transposed into dst [C, R] on the heap */
function transposeInto(heap: Float32Array, src: number, dst: number, R: number, C: number) {
  const s = src >>> 2,
    d = dst >>> 2;
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) heap[d + c * R + r] = heap[s + r * C + c];
}

/**
 * One forward step's gates over the heap (float32 indices): G_x rows at gx + (m L + t) 3H, G_h rows at gh + m 3H,
 * h_{t-1} rows at hPrev + m H; writes (r, z, n, G_h,n) rows at gBase + m 4H, h_t rows at hNext + m H (unless -1) and
 * at out + m outStride (unless -1). A top-level function so that V8 optimises it once for every call.
 */
function gatesForward(
  heap: Float32Array,
  maskV: Float32Array | null,
  M: number,
  L: number,
  H: number,
  t: number,
  gx: number,
  gh: number,
  hPrev: number,
  hNext: number,
  gBase: number,
  out: number,
  outStride: number,
): void {
  const G = 3 * H;
  for (let m = 0; m < M; m++) {
    const mk = maskV ? maskV[m * L + t] : 1;
    const xr = gx + (m * L + t) * G,
      hr = gh + m * G,
      pr = hPrev + m * H,
      gr = gBase + m * 4 * H,
      nr = hNext >= 0 ? hNext + m * H : -1,
      sr = out >= 0 ? out + m * outStride : -1;
    for (let j = 0; j < H; j++) {
      const r = 1 / (1 + fastExp(-(heap[xr + j] + heap[hr + j])));
      const z = 1 / (1 + fastExp(-(heap[xr + H + j] + heap[hr + H + j])));
      const ghn = heap[hr + 2 * H + j];
      const n = 1 - 2 / (1 + fastExp(2 * (heap[xr + 2 * H + j] + r * ghn))); // tanh
      const h0 = heap[pr + j];
      const h1 = h0 + mk * (n + z * (h0 - n) - h0);
      heap[gr + j] = r;
      heap[gr + H + j] = z;
      heap[gr + 2 * H + j] = n;
      heap[gr + 3 * H + j] = ghn;
      if (nr >= 0) heap[nr + j] = h1;
      if (sr >= 0) heap[sr + j] = h1;
    }
  }
}

/**
 * One backward step (see the file comment) over the heap: d = dL/dh_t rows at dh + m H (plus the sequence output's
 * gradient at dy + (m L + t) H unless dy is -1); writes dG_x rows at dgx + (m L + t) 3H, dG_h rows at
 * dgh + (t M + m) 3H, and replaces d by its direct paths to h_{t-1}: (1 - m_t) d + m_t d z.
 */
function gatesBackward(
  heap: Float32Array,
  maskV: Float32Array | null,
  M: number,
  L: number,
  H: number,
  t: number,
  dh: number,
  hPrev: number,
  gBase: number,
  dgx: number,
  dgh: number,
  dy: number,
): void {
  const G = 3 * H;
  for (let m = 0; m < M; m++) {
    const mk = maskV ? maskV[m * L + t] : 1;
    const dr0 = dh + m * H,
      pr = hPrev + m * H,
      gr = gBase + m * 4 * H,
      xr = dgx + (m * L + t) * G,
      hr = dgh + (t * M + m) * G,
      sr = dy >= 0 ? dy + (m * L + t) * H : -1;
    for (let j = 0; j < H; j++) {
      const d = sr >= 0 ? heap[dr0 + j] + heap[sr + j] : heap[dr0 + j];
      const r = heap[gr + j],
        z = heap[gr + H + j],
        n = heap[gr + 2 * H + j],
        ghn = heap[gr + 3 * H + j],
        h0 = heap[pr + j];
      const d1 = mk * d; // dL/dh'
      const dan = d1 * (1 - z) * (1 - n * n);
      const dar = dan * ghn * r * (1 - r);
      const daz = d1 * (h0 - n) * z * (1 - z);
      heap[xr + j] = dar;
      heap[xr + H + j] = daz;
      heap[xr + 2 * H + j] = dan;
      heap[hr + j] = dar;
      heap[hr + H + j] = daz;
      heap[hr + 2 * H + j] = dan * r;
      heap[dr0 + j] = d - d1 + d1 * z; // the direct paths (1 - m) d + dh' z
    }
  }
}

/**
 * The GRU over x [M, L, I] (stock-major: row m L + t is stock m at step t) with the fused kernels; same contract as
 * gru() in gru.ts (call it through gru(), which checks the shapes). Requires gruFusedReady().
 */
export function gruFused(x: tf.Tensor3D, p: GruParams, opts: GruOptions = {}): GruOutput {
  const [M, L, I] = x.shape;
  const H = p.hidden,
    G = 3 * H,
    ML = M * L;
  const seqOut = !!opts.returnSequences;
  const keep = taping(); // keep the activations for a backward pass
  const maskV = opts.mask ? (opts.mask.dataSync() as Float32Array) : null; // [M, L], small
  const data = !!opts.inputIsData;

  const forward = (xT: tf.Tensor, wx: tf.Tensor, wh: tf.Tensor, bx: tf.Tensor, bh: tf.Tensor) => {
    const { be, k } = heapKernels();
    const out = be.makeOutput(seqOut ? [M, L, H] : [M, H], 'float32');
    // h_{t-1} per step (time-major [L M, H]) and the gates r, z, n, G_h,n per step ([L M, 4H]); without a tape two
    // state slots and one step of gates
    const hp = keep ? be.makeOutput([ML, H], 'float32') : null;
    const gates = keep ? be.makeOutput([ML, 4 * H], 'float32') : null;
    // the wasm SIMD gates (kernels/gru-kernels.ts) for H a multiple of 4, else the JS loop
    const gk = H % 4 === 0 && simdGates ? gruKernelsFor(k.memory) : null;
    const sc = scratch(be, {
      gx: ML * G,
      gh: M * G,
      ...(keep ? {} : { hp: 2 * M * H, gates: M * 4 * H }),
      ...(gk ? { mk: ML } : {}),
    });
    try {
      const gxP = sc.ptr.gx,
        ghP = sc.ptr.gh;
      const hpP = hp ? offset(be, hp) : sc.ptr.hp,
        gaP = gates ? offset(be, gates) : sc.ptr.gates,
        outP = offset(be, out);
      k.matmul(offset(be, xT), offset(be, wx), offset(be, bx), gxP, ML, I, G, 1); // G_x = X W_x + b_x, all steps
      const heap = new Float32Array(k.memory.buffer); // after every allocation (the heap may have grown)
      const gx = gxP >>> 2,
        gh = ghP >>> 2,
        hq = hpP >>> 2,
        ga = gaP >>> 2,
        oq = outP >>> 2;
      heap.fill(0, hq, hq + M * H); // h_0 = 0
      if (gk) {
        if (maskV) heap.set(maskV, sc.ptr.mk >>> 2);
        else heap.fill(1, sc.ptr.mk >>> 2, (sc.ptr.mk >>> 2) + ML);
      }
      const whP = offset(be, wh),
        bhP = offset(be, bh);
      for (let t = 0; t < L; t++) {
        const slot = keep ? t : t & 1;
        const hPrev = hq + slot * M * H; // h_{t-1}
        const last = t === L - 1;
        const hNext = keep ? hPrev + M * H : hq + (1 - slot) * M * H; // h_t (unused at the last step)
        const gBase = ga + (keep ? t * M * 4 * H : 0);
        k.matmul(hPrev * 4, whP, bhP, ghP, M, H, G, 1); // G_h = h_{t-1} W_h + b_h
        const outAt = seqOut ? oq + t * H : last ? oq : -1; // h_t in the layer output (stock 0)
        if (gk)
          gk.gruGates(
            (gx + t * G) * 4,
            L * G * 4,
            ghP,
            hPrev * 4,
            sc.ptr.mk + t * 4,
            L * 4,
            gBase * 4,
            last ? 0 : hNext * 4,
            outAt < 0 ? 0 : outAt * 4,
            (seqOut ? L * H : H) * 4,
            M,
            H,
          );
        else gatesForward(heap, maskV, M, L, H, t, gx, gh, hPrev, last ? -1 : hNext, gBase, outAt, seqOut ? L * H : H);
      }
    } finally {
      sc.free();
    }
    const e = tf.engine();
    return {
      value: e.makeTensorFromTensorInfo(out),
      hp: hp ? e.makeTensorFromTensorInfo(hp) : null,
      gates: gates ? e.makeTensorFromTensorInfo(gates) : null,
    };
  };

  /** dy: dL/d(output) ([M, H] or [M, L, H]); returns dX (or null for data), dW_x, dW_h, db_x, db_h */
  const backward = (dy: tf.Tensor, xT: tf.Tensor, wx: tf.Tensor, wh: tf.Tensor, hpT: tf.Tensor, gaT: tf.Tensor) => {
    const { be, k } = heapKernels();
    const dX = data ? null : be.makeOutput([M, L, I], 'float32');
    const dWx = be.makeOutput([I, G], 'float32'),
      dWh = be.makeOutput([H, G], 'float32'),
      dbx = be.makeOutput([G], 'float32'),
      dbh = be.makeOutput([G], 'float32');
    const gk = H % 4 === 0 && simdGates ? gruKernelsFor(k.memory) : null;
    const sc = scratch(be, { dgx: ML * G, dgh: ML * G, dh: M * H, tmp: M * H, whT: G * H, wxT: data ? 0 : G * I, mk: gk ? ML : 0 });
    try {
      const heap = new Float32Array(k.memory.buffer);
      const P = sc.ptr;
      if (gk) {
        if (maskV) heap.set(maskV, P.mk >>> 2);
        else heap.fill(1, P.mk >>> 2, (P.mk >>> 2) + ML);
      }
      transposeInto(heap, offset(be, wh), P.whT, H, G); // W_h^T [3H, H]
      if (!data) transposeInto(heap, offset(be, wx), P.wxT, I, G); // W_x^T [3H, I]
      const dyq = offset(be, dy) >>> 2,
        hq = offset(be, hpT) >>> 2,
        ga = offset(be, gaT) >>> 2,
        dgx = P.dgx >>> 2,
        dgh = P.dgh >>> 2,
        dh = P.dh >>> 2,
        tmp = P.tmp >>> 2;
      // d = dL/dh_{L-1}: the output's gradient (the last state's, or the last step's of the sequence)
      if (seqOut) heap.fill(0, dh, dh + M * H);
      else heap.copyWithin(dh, dyq, dyq + M * H);
      for (let t = L - 1; t >= 0; t--) {
        const hPrev = hq + t * M * H,
          gBase = ga + t * M * 4 * H;
        if (gk)
          gk.gruGatesBack(
            P.dh,
            seqOut ? (dyq + t * H) * 4 : 0,
            L * H * 4,
            hPrev * 4,
            gBase * 4,
            P.mk + t * 4,
            L * 4,
            (dgx + t * G) * 4,
            L * G * 4,
            (dgh + t * M * G) * 4,
            M,
            H,
          );
        else gatesBackward(heap, maskV, M, L, H, t, dh, hPrev, gBase, dgx, dgh, seqOut ? dyq : -1);
        if (t > 0) {
          // dL/dh_{t-1} += dG_h W_h^T (h_0 = 0 needs no gradient)
          k.matmul(P.dgh + t * M * G * 4, P.whT, 0, P.tmp, M, G, H, 0);
          for (let q = 0; q < M * H; q++) heap[dh + q] += heap[tmp + q];
        }
      }
      k.xtdy(offset(be, hpT), P.dgh, offset(be, dWh), ML, H, G); // dW_h = H_prev^T dG_h
      k.colsum(P.dgh, offset(be, dbh), ML, G);
      k.xtdy(offset(be, xT), P.dgx, offset(be, dWx), ML, I, G); // dW_x = X^T dG_x
      k.colsum(P.dgx, offset(be, dbx), ML, G);
      if (dX) k.matmul(P.dgx, P.wxT, 0, offset(be, dX), ML, G, I, 0); // dX = dG_x W_x^T
    } finally {
      sc.free();
    }
    const e = tf.engine();
    return {
      dX: dX ? e.makeTensorFromTensorInfo(dX) : null,
      dWx: e.makeTensorFromTensorInfo(dWx),
      dWh: e.makeTensorFromTensorInfo(dWh),
      dbx: e.makeTensorFromTensorInfo(dbx),
      dbh: e.makeTensorFromTensorInfo(dbh),
    };
  };

  let y: tf.Tensor;
  if (data) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [wx, wh, bx, bh, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const f = forward(x, wx, wh, bx, bh);
      if (f.hp && f.gates) save([x, wx, wh, f.hp, f.gates]);
      return {
        value: f.value,
        gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => {
          const g = backward(dy, s[0], s[1], s[2], s[3], s[4]);
          return [g.dWx, g.dWh, g.dbx, g.dbh];
        },
      };
    }) as (...t: tf.Tensor[]) => tf.Tensor;
    y = op(p.wx, p.wh, p.bx, p.bh);
  } else {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xi, wx, wh, bx, bh, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const f = forward(xi, wx, wh, bx, bh);
      if (f.hp && f.gates) save([xi, wx, wh, f.hp, f.gates]);
      return {
        value: f.value,
        gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => {
          const g = backward(dy, s[0], s[1], s[2], s[3], s[4]);
          return [g.dX!, g.dWx, g.dWh, g.dbx, g.dbh];
        },
      };
    }) as (...t: tf.Tensor[]) => tf.Tensor;
    y = op(x, p.wx, p.wh, p.bx, p.bh);
  }
  if (!seqOut) return { last: y as tf.Tensor2D };
  // with masked steps carrying the state over, the last state is the sequence's last step
  const last = tf.tidy(() => y.slice([0, L - 1, 0], [M, 1, H]).reshape([M, H]) as tf.Tensor2D);
  return { last, seq: y as tf.Tensor3D };
}
