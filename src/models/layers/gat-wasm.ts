/**
 * The sorted GAT kernel (gat.ts, gatAttendSortedST) on tfjs-wasm with its O(n h) loops in wasm f64x2 SIMD
 * (src/models/kernels/gat-kernels.ts), in place on tfjs-wasm's heap: z and dL/dout are read where tfjs keeps them,
 * out, dz and d[s, t] are written into tensors tfjs allocates (no dataSync copies of [B, N, h], no uploads). The
 * sorts, binary searches and exponentials stay here in JS (O(n log n) scalars), with the same float64 arithmetic as
 * the JS kernel (sortedAttendForward / sortedAttendBackward), so both give the same numbers to float64 rounding.
 * Memory: the forward keeps only O(B N) JS arrays for the backward (orders, per-node coefficients); the [n + 1, h]
 * prefix tables live in heap scratch for the duration of one call and are recomputed by the backward (one more
 * prefix pass instead of holding 2 x B N h float64 between the passes, which inference would never release).
 */
import * as tf from '@tensorflow/tfjs';
import { heapKernels, offset } from '../kernels/tfjs-wasm';
import { argsortDesc, countGreater, leaky, type Segments } from './gat';

/** heap scratch: one malloc carved into 16-byte aligned arrays, views made after every allocation */
function scratch(be: ReturnType<typeof heapKernels>['be'], spec: Record<string, number>) {
  const offs: Record<string, number> = {};
  let total = 0;
  for (const [k, bytes] of Object.entries(spec)) {
    offs[k] = total;
    total += Math.ceil(bytes / 16) * 16;
  }
  const base = be.wasm._malloc(total + 16) >>> 0;
  const aligned = Math.ceil(base / 16) * 16;
  for (const k of Object.keys(offs)) offs[k] += aligned;
  return { ptr: offs, free: () => be.wasm._free(base) };
}

/** sorted GAT on the interleaved scores st [B, N, 2] and z [B, N, h] (h even), as gatAttendSortedST */
export function gatAttendSortedWasm(st: tf.Tensor3D, z: tf.Tensor3D, seg: Segments, slope: number): tf.Tensor3D {
  const [B, N, h] = z.shape;
  const BN = B * N,
    nSeg = seg.date.length,
    { members, start } = seg;
  let nMax = 1;
  for (let q = 0; q < nSeg; q++) nMax = Math.max(nMax, start[q + 1] - start[q]);
  const tableBytes = 8 * (nMax + 1) * h;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [stT, zT, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
    save([zT]); // the backward reads z in place
    const stv = stT.dataSync() as Float32Array; // [B N 2], small
    const sv = new Float32Array(BN),
      tv = new Float32Array(BN);
    for (let k = 0; k < BN; k++) {
      sv[k] = stv[2 * k];
      tv[k] = stv[2 * k + 1];
    }
    // per segment: t order, exp weights (in segment position order), per node: prefix index and coefficients
    const ordT = new Int32Array(BN),
      tDesc = new Float64Array(BN),
      P = new Float64Array(BN),
      Q = new Float64Array(BN),
      ci = new Int32Array(BN),
      Ad = new Float64Array(BN),
      Bd = new Float64Array(BN);
    const w1 = new Float64Array(BN),
      w2 = new Float64Array(BN),
      Ai = new Float64Array(BN),
      Bi = new Float64Array(BN),
      den = new Float64Array(BN);
    const SP1 = new Float64Array(nMax + 1),
      RQ1 = new Float64Array(nMax + 1);
    for (let q = 0; q < nSeg; q++) {
      const a = start[q],
        n = start[q + 1] - a,
        base = seg.date[q] * N;
      if (n === 1) {
        const k = base + members[a];
        ordT[a] = k;
        tDesc[a] = tv[k];
        w1[k] = 1;
        den[k] = 1;
        Ai[k] = 1;
        Bi[k] = 1;
        continue;
      }
      const ord = ordT.subarray(a, a + n),
        td = tDesc.subarray(a, a + n);
      argsortDesc(tv, members, a, n, base, ord, td);
      const tmax = td[0];
      SP1[0] = 0;
      for (let r = 0; r < n; r++) {
        P[a + r] = Math.exp(td[r] - tmax);
        Q[a + r] = Math.exp(slope * (td[r] - tmax));
        SP1[r + 1] = SP1[r] + P[a + r];
      }
      RQ1[n] = 0;
      for (let r = n - 1; r >= 0; r--) RQ1[r] = RQ1[r + 1] + Q[a + r];
      for (let r = 0; r < n; r++) {
        const i = ord[r],
          si = sv[i];
        const c = countGreater(td, n, -si);
        const Mi = leaky(si + tmax, slope);
        const A = Math.exp(si + tmax - Mi),
          Bq = Math.exp(slope * (si + tmax) - Mi);
        const d = A * SP1[c] + Bq * RQ1[c];
        ci[a + r] = c;
        Ad[a + r] = A / d;
        Bd[a + r] = Bq / d;
        w1[i] = (A / d) * SP1[c];
        w2[i] = (Bq / d) * RQ1[c];
        den[i] = d;
        Ai[i] = A;
        Bi[i] = Bq;
      }
    }
    const { be, k } = heapKernels();
    const out = be.makeOutput([B, N, h], 'float32');
    const sc = scratch(be, { ord: 4 * BN, ci: 4 * BN, P: 8 * BN, Q: 8 * BN, Ad: 8 * BN, Bd: 8 * BN, SP: tableBytes, RQ: tableBytes });
    try {
      const buf = k.memory.buffer;
      new Int32Array(buf, sc.ptr.ord, BN).set(ordT);
      new Int32Array(buf, sc.ptr.ci, BN).set(ci);
      new Float64Array(buf, sc.ptr.P, BN).set(P);
      new Float64Array(buf, sc.ptr.Q, BN).set(Q);
      new Float64Array(buf, sc.ptr.Ad, BN).set(Ad);
      new Float64Array(buf, sc.ptr.Bd, BN).set(Bd);
      const zOff = offset(be, zT),
        oOff = offset(be, out);
      const heap = new Float32Array(buf);
      for (let q = 0; q < nSeg; q++) {
        const a = start[q],
          n = start[q + 1] - a;
        if (n === 1) {
          // self loop only: out_i = z_i
          const kk = ordT[a];
          heap.copyWithin((oOff >> 2) + kk * h, (zOff >> 2) + kk * h, (zOff >> 2) + (kk + 1) * h);
          continue;
        }
        k.gatPrefix(n, h, sc.ptr.ord + 4 * a, sc.ptr.P + 8 * a, sc.ptr.Q + 8 * a, zOff, sc.ptr.SP, sc.ptr.RQ);
        k.gatMix(n, h, sc.ptr.ord + 4 * a, sc.ptr.ci + 4 * a, sc.ptr.Ad + 8 * a, sc.ptr.Bd + 8 * a, sc.ptr.SP, sc.ptr.RQ, oOff);
      }
    } finally {
      sc.free();
    }
    const value = tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor3D;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const zs = saved[0];
        const { be, k } = heapKernels();
        const dz = be.makeOutput([B, N, h], 'float32'),
          dst = be.makeOutput([B, N, 2], 'float32');
        const sc = scratch(be, {
          ord: 4 * BN,
          ci: 4 * BN,
          P: 8 * BN,
          Q: 8 * BN,
          gx: 8 * BN,
          gy: 8 * BN,
          byS: 4 * nMax,
          wA: 8 * nMax,
          wB: 8 * nMax,
          dj: 4 * nMax,
          zu: 8 * nMax,
          SP: tableBytes,
          RQ: tableBytes,
        });
        const ds = new Float64Array(BN),
          dt = new Float64Array(BN);
        try {
          const buf = k.memory.buffer;
          new Int32Array(buf, sc.ptr.ord, BN).set(ordT);
          new Int32Array(buf, sc.ptr.ci, BN).set(ci);
          new Float64Array(buf, sc.ptr.P, BN).set(P);
          new Float64Array(buf, sc.ptr.Q, BN).set(Q);
          const gx = new Float64Array(buf, sc.ptr.gx, BN),
            gy = new Float64Array(buf, sc.ptr.gy, BN);
          const byS = new Int32Array(buf, sc.ptr.byS, nMax),
            wA = new Float64Array(buf, sc.ptr.wA, nMax),
            wB = new Float64Array(buf, sc.ptr.wB, nMax),
            dj = new Int32Array(buf, sc.ptr.dj, nMax),
            zu = new Float64Array(buf, sc.ptr.zu, nMax);
          const heap = new Float32Array(buf);
          const gOff = offset(be, dy),
            zOff = offset(be, zs),
            dzOff = offset(be, dz);
          const sDesc = new Float64Array(nMax),
            qv = new Float64Array(BN),
            GP1 = new Float64Array(nMax + 1),
            GQ1 = new Float64Array(nMax + 1);
          for (let sg = 0; sg < nSeg; sg++) {
            const a = start[sg],
              n = start[sg + 1] - a,
              base = seg.date[sg] * N;
            if (n === 1) {
              // out_i = z_i: dz_i = g_i, ds_i = dt_i = 0
              const kk = ordT[a];
              heap.copyWithin((dzOff >> 2) + kk * h, (gOff >> 2) + kk * h, (gOff >> 2) + (kk + 1) * h);
              continue;
            }
            const ordP = sc.ptr.ord + 4 * a;
            // U_i = Ad SP[ci], V_i = Bd RQ[ci]: gu = g_i . U_i, gv = g_i . V_i
            k.gatPrefix(n, h, ordP, sc.ptr.P + 8 * a, sc.ptr.Q + 8 * a, zOff, sc.ptr.SP, sc.ptr.RQ);
            k.gatDots(n, h, ordP, sc.ptr.ci + 4 * a, gOff, sc.ptr.SP, sc.ptr.RQ, sc.ptr.gx + 8 * a, sc.ptr.gy + 8 * a);
            for (let r = 0; r < n; r++) {
              const i = ordT[a + r];
              const gu = Ad[a + r] * gx[a + r],
                gv = Bd[a + r] * gy[a + r];
              const qi = gu + gv;
              qv[i] = qi;
              ds[i] = gu + slope * gv - qi * (w1[i] + slope * w2[i]);
            }
            // GP / GQ: prefix (suffix) sums in s order of (A_i / den_i) [g_i, q_i] ((B_i / den_i) [g_i, q_i])
            argsortDesc(sv, members, a, n, base, byS, sDesc);
            GP1[0] = 0;
            for (let r = 0; r < n; r++) {
              const i = byS[r];
              wA[r] = Ai[i] / den[i];
              wB[r] = Bi[i] / den[i];
              GP1[r + 1] = GP1[r] + wA[r] * qv[i];
            }
            GQ1[n] = 0;
            for (let r = n - 1; r >= 0; r--) GQ1[r] = GQ1[r + 1] + wB[r] * qv[byS[r]];
            k.gatPrefix(n, h, sc.ptr.byS, sc.ptr.wA, sc.ptr.wB, gOff, sc.ptr.SP, sc.ptr.RQ);
            // per j in t order: dz_j = P GP[dj] + Q GQ[dj];  dt_j = z_j . (P GP + slope Q GQ) - (P GP_q + slope Q GQ_q)
            for (let r = 0; r < n; r++) dj[r] = countGreater(sDesc, n, -tDesc[a + r]);
            k.gatMixDot(n, h, ordP, sc.ptr.dj, sc.ptr.P + 8 * a, sc.ptr.Q + 8 * a, sc.ptr.SP, sc.ptr.RQ, dzOff, zOff, slope, sc.ptr.zu);
            for (let r = 0; r < n; r++) {
              const o = dj[r];
              dt[ordT[a + r]] = zu[r] - (P[a + r] * GP1[o] + slope * Q[a + r] * GQ1[o]);
            }
          }
          const dstv = new Float32Array(buf, offset(be, dst), 2 * BN);
          for (let kk = 0; kk < BN; kk++) {
            dstv[2 * kk] = ds[kk];
            dstv[2 * kk + 1] = dt[kk];
          }
        } finally {
          sc.free();
        }
        const e = tf.engine();
        return [e.makeTensorFromTensorInfo(dst), e.makeTensorFromTensorInfo(dz)];
      },
    };
  }) as (st: tf.Tensor3D, z: tf.Tensor3D) => tf.Tensor3D;
  return op(st, z);
}
