/**
 * Hand-written wasm SIMD kernels (wasm-asm.ts encodes them), run directly on tfjs-wasm's heap:
 *   xtdy(x, dy, out, M, K, J):  out[K, J] = x[M, K]^T @ dy[M, J]   (the weight gradient of a dense layer)
 *   colsum(dy, out, M, J):      out[J] = sum_m dy[m, :]             (the bias gradient)
 *   matmul(x, w, b, out, ...):  out[M, J] = x[M, K] @ w[K, J] (+ b)  (a dense layer's forward and input gradient)
 * All pointers are byte offsets into the one memory the module imports; counts are elements. f32 throughout, with the
 * sums over m accumulated in the order m = 0, 1, 2, ... (4 rows at a time), so the results match tfjs' matMul to
 * float32 rounding (~1e-6 relative).
 *
 * Why: on tfjs-wasm 4.22 the weight gradient x^T dy is an explicit Transpose of x (XNNPACK's matMul with transposeA
 * is ~20x slower) plus a matMul that re-packs its right operand (a new tensor on every step), together ~45% of a DMFM
 * step (README speed section). xtdy reads x and dy in place, row by row, and writes dw once: no transpose, no packing.
 * Blocking: 4 rows of x times 2 of its columns (8 splats) against a 4-wide column strip of dy and of 2 rows of dw;
 * dw (K x J floats: 16-38 KB for the lab's layers) stays in L1 / L2 across the sweep over m.
 */
import { Fn, I32, F32, V128, encodeModule } from './wasm-asm';
import { dotsFn, mixFn, prefixFn } from './gat-kernels';

/**
 * rows of x (and dy) per sweep of dw: R splats stay in registers, dw is read and written once per R rows. 4, 6 and 8
 * measured within noise of each other on the lab's shapes (about 9-13 GFLOP/s on a loaded 2-core machine); 4 is kept.
 */
const ROWS = 4;
/**
 * columns of x (rows of dw) per sweep: each dy vector loaded once serves KCOLS rows of dw. Measured (Node, load ~3,
 * M = 6400): 64x64 1.65 ms with 1, 1.30 with 2, 1.35-2.3 with 4 (register spills); 44x220 3.9 / 3.2 / 3.6-4.2 ms.
 */
const KCOLS = 2;

/** f32x4.relaxed_madd (a b + c, fused where the hardware has FMA; relaxed SIMD): pops a, b, c */
const RELAXED_MADD = [0xfd, 0x85, 0x02];

/** the xtdy function: see the file comment; `fma`: multiply-adds as relaxed_madd */
function xtdyFn(fma = false): Fn {
  const f = new Fn('xtdy', [
    ['x', I32],
    ['dy', I32],
    ['out', I32],
    ['M', I32],
    ['K', I32],
    ['J', I32],
  ]);
  const R = ROWS;
  const names = (p: string) => Array.from({ length: R }, (_, r) => `${p}${r}`);
  const KC = KCOLS;
  const grid = (p: string) => Array.from({ length: R * KC }, (_, i) => `${p}${i}`);
  f.local(
    I32,
    'm',
    'k',
    'jb',
    'J4',
    'K4',
    'Jv4',
    'xp',
    'q',
    'end',
    'kEnd',
    ...names('d'),
    ...Array.from({ length: KC }, (_, c) => `row${c}`),
  );
  f.local(V128, ...grid('a'), ...names('dv'), 'acc');
  f.local(F32, ...grid('s'), 'sd');
  // J4 = J * 4 bytes per dy / dw row, K4 = K * 4 per x row, Jv4 = bytes covered by whole 4-float vectors
  f.get('J').i32(2).shl().set('J4');
  f.get('K').i32(2).shl().set('K4');
  f.get('J').i32(-4);
  f.code.push(0x71); // i32.and
  f.i32(2).shl().set('Jv4');
  // dw = 0
  f.get('out').get('K').get('J').mul().i32(2).shl().add().set('end');
  f.for(
    'q',
    () => f.get('out'),
    () => f.get('end'),
    4,
    () => {
      f.get('q').f32(0).f32store();
    },
  );
  /**
   * dw[k + c, :] += sum_r x[m + r, k + c] dy[m + r, :] for `rows` rows (1 or R) and `kc` columns of x (1 or KC):
   * pointers d0.. set, xp at x[m, k]. Each dy vector is loaded once for the kc rows of dw it updates.
   */
  const update = (rows: number, kc: number) => {
    const av = (r: number, c: number) => `a${r * KC + c}`,
      sv = (r: number, c: number) => `s${r * KC + c}`;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < kc; c++) {
        f.get('xp');
        if (r) f.get('K4').i32(r).mul().add();
        f.vload32splat(4 * c)
          .tee(av(r, c))
          .vlane(0)
          .set(sv(r, c));
      }
    for (let c = 0; c < kc; c++) f.get('out').get('k').i32(c).add().get('J4').mul().add().set(`row${c}`);
    // whole vectors
    f.for(
      'jb',
      () => f.i32(0),
      () => f.get('Jv4'),
      16,
      () => {
        for (let r = 0; r < rows; r++) f.get(`d${r}`).get('jb').add().vload().set(`dv${r}`);
        for (let c = 0; c < kc; c++) {
          f.get(`row${c}`).get('jb').add(); // store address
          f.get(`row${c}`).get('jb').add().vload();
          if (fma) {
            f.set('acc');
            for (let r = 0; r < rows; r++) {
              f.get(`dv${r}`).get(av(r, c)).get('acc');
              f.code.push(...RELAXED_MADD);
              f.set('acc');
            }
            f.get('acc');
          } else for (let r = 0; r < rows; r++) f.get(`dv${r}`).get(av(r, c)).vfmul().vfadd();
          f.vstore();
        }
      },
      true,
    );
    // the tail (J mod 4 columns), scalar
    f.for(
      'jb',
      () => f.get('Jv4'),
      () => f.get('J4'),
      4,
      () => {
        for (let c = 0; c < kc; c++) {
          f.get(`row${c}`).get('jb').add();
          f.get(`row${c}`).get('jb').add().f32load();
          for (let r = 0; r < rows; r++) f.get(`d${r}`).get('jb').add().f32load().get(sv(r, c)).fmul().fadd();
          f.f32store();
        }
      },
    );
  };
  /** the sweep over k for the rows set up: KC columns at a time, then the rest one by one */
  const sweepK = (rows: number) => {
    f.for(
      'k',
      () => f.i32(0),
      () => f.get('K'),
      KC,
      () => {
        f.get('x').get('m').get('K').mul().get('k').add().i32(2).shl().add().set('xp');
        update(rows, KC);
      },
      true,
    );
    f.for(
      'k',
      () => f.get('k'),
      () => f.get('K'),
      1,
      () => {
        f.get('x').get('m').get('K').mul().get('k').add().i32(2).shl().add().set('xp');
        update(rows, 1);
      },
    );
  };
  // R rows at a time
  f.for(
    'm',
    () => f.i32(0),
    () => f.get('M'),
    R,
    () => {
      f.get('dy').get('m').get('J4').mul().add().set('d0');
      for (let r = 1; r < R; r++)
        f.get(`d${r - 1}`)
          .get('J4')
          .add()
          .set(`d${r}`);
      sweepK(R);
    },
    true,
  );
  // the remaining rows (M mod R), one at a time; m is where the loop above stopped
  f.for(
    'm',
    () => f.get('m'),
    () => f.get('M'),
    1,
    () => {
      f.get('dy').get('m').get('J4').mul().add().set('d0');
      sweepK(1);
    },
  );
  return f;
}

/** colsum(dy, out, M, J): out[J] = column sums of dy [M, J] (as xtdy with x = ones: the same order of additions) */
function colsumFn(): Fn {
  const f = new Fn('colsum', [
    ['dy', I32],
    ['out', I32],
    ['M', I32],
    ['J', I32],
  ]);
  f.local(I32, 'm', 'jb', 'J4', 'Jv4', 'd0', 'q', 'end');
  f.get('J').i32(2).shl().set('J4');
  f.get('J').i32(-4);
  f.code.push(0x71);
  f.i32(2).shl().set('Jv4');
  f.get('out').get('J4').add().set('end');
  f.for(
    'q',
    () => f.get('out'),
    () => f.get('end'),
    4,
    () => {
      f.get('q').f32(0).f32store();
    },
  );
  f.for(
    'm',
    () => f.i32(0),
    () => f.get('M'),
    1,
    () => {
      f.get('dy').get('m').get('J4').mul().add().set('d0');
      f.for(
        'jb',
        () => f.i32(0),
        () => f.get('Jv4'),
        16,
        () => {
          f.get('out').get('jb').add();
          f.get('out').get('jb').add().vload();
          f.get('d0').get('jb').add().vload().vfadd();
          f.vstore();
        },
        true,
      );
      f.for(
        'jb',
        () => f.get('Jv4'),
        () => f.get('J4'),
        4,
        () => {
          f.get('out').get('jb').add();
          f.get('out').get('jb').add().f32load();
          f.get('d0').get('jb').add().f32load().fadd();
          f.f32store();
        },
      );
    },
  );
  return f;
}

/**
 * matmul(x, w, b, out, M, K, J, bias): out[M, J] = x[M, K] @ w[K, J] (+ b[J] when bias != 0). Register blocking:
 * MM_ROWS rows of out times a strip of MM_VECS 4-wide vectors accumulate over k in registers (per k: MM_VECS loads of w,
 * MM_ROWS splats of x, MM_ROWS x MM_VECS multiply-adds); the columns left over go 4 at a time, then one at a time; each
 * sum starts from the bias and runs k = 0, 1, ... (the same order in every variant, so the results do not depend on
 * the blocking).
 * Measured (Node 20, GFLOP/s on the lab's shapes, best of 5: GRU recurrent 400x64x192 and its gradient 400x192x64,
 * input projection 8000x64x192, 8000x44x64, 8000x192x64): 4 rows x 1 vector (the earlier kernel) 25-31; 4x2 33-42;
 * 2x4 39-43; 2x3 34-40; 3x2 33-38; 6x2 23-28; 2x6 24-26 and 1x8 19-20 (register spills); 1x4 32-34.
 */
const MM_ROWS = 2,
  MM_VECS = 4;
function matmulFn(fma = false): Fn {
  const f = new Fn('matmul', [
    ['x', I32],
    ['w', I32],
    ['b', I32],
    ['out', I32],
    ['M', I32],
    ['K', I32],
    ['J', I32],
    ['bias', I32],
  ]);
  const R = MM_ROWS,
    V = MM_VECS;
  const xs = Array.from({ length: R }, (_, r) => `x${r}`),
    os = Array.from({ length: R }, (_, r) => `o${r}`);
  const acc = (r: number, v: number) => `c${r}_${v}`;
  f.local(I32, 'm', 'jb', 'J4', 'K4', 'Jv4', 'wp', 'kb', ...xs, ...os);
  f.local(
    V128,
    ...Array.from({ length: R * V }, (_, i) => acc(Math.floor(i / V), i % V)),
    ...Array.from({ length: V }, (_, v) => `wv${v}`),
    'sp',
  );
  f.local(F32, ...Array.from({ length: R }, (_, r) => `e${r}`), 'ws');
  f.get('J').i32(2).shl().set('J4');
  f.get('K').i32(2).shl().set('K4');
  f.get('J').i32(-4);
  f.code.push(0x71); // i32.and
  f.i32(2).shl().set('Jv4');
  /** rows x{r} / o{r} set, jb at the strip: `nv` vectors of out for `rows` rows = (b) + x rows @ w */
  const strip = (rows: number, nv: number) => () => {
    for (let r = 0; r < rows; r++)
      for (let v = 0; v < nv; v++) {
        f.get('bias');
        f.code.push(0x04, V128); // if (result v128)
        f.get('b')
          .get('jb')
          .add()
          .vload(16 * v);
        f.code.push(0x05); // else
        f.vzero();
        f.code.push(0x0b);
        f.set(acc(r, v));
      }
    f.get('w').get('jb').add().set('wp');
    f.for(
      'kb',
      () => f.i32(0),
      () => f.get('K4'),
      4,
      () => {
        for (let v = 0; v < nv; v++)
          f.get('wp')
            .vload(16 * v)
            .set(`wv${v}`);
        for (let r = 0; r < rows; r++) {
          f.get(`x${r}`).get('kb').add().vload32splat().set('sp');
          for (let v = 0; v < nv; v++)
            if (fma) {
              f.get('sp').get(`wv${v}`).get(acc(r, v));
              f.code.push(...RELAXED_MADD);
              f.set(acc(r, v));
            } else f.get(acc(r, v)).get('sp').get(`wv${v}`).vfmul().vfadd().set(acc(r, v));
        }
        f.get('wp').get('J4').add().set('wp');
      },
    );
    for (let r = 0; r < rows; r++)
      for (let v = 0; v < nv; v++)
        f.get(`o${r}`)
          .get('jb')
          .add()
          .get(acc(r, v))
          .vstore(16 * v);
  };
  /** the columns of the rows set up: strips of V vectors, then single vectors, then the J mod 4 last ones */
  const block = (rows: number) => {
    f.i32(0).set('jb');
    f.for(
      'jb',
      () => f.get('jb'),
      () => f.get('Jv4'),
      16 * V,
      strip(rows, V),
      true,
    );
    f.for(
      'jb',
      () => f.get('jb'),
      () => f.get('Jv4'),
      16,
      strip(rows, 1),
      true,
    );
    f.for(
      'jb',
      () => f.get('Jv4'),
      () => f.get('J4'),
      4,
      () => {
        for (let r = 0; r < rows; r++) {
          f.get('bias');
          f.code.push(0x04, F32);
          f.get('b').get('jb').add().f32load();
          f.code.push(0x05);
          f.f32(0);
          f.code.push(0x0b);
          f.set(`e${r}`);
        }
        f.get('w').get('jb').add().set('wp');
        f.for(
          'kb',
          () => f.i32(0),
          () => f.get('K4'),
          4,
          () => {
            f.get('wp').f32load().set('ws');
            for (let r = 0; r < rows; r++) f.get(`e${r}`).get(`x${r}`).get('kb').add().f32load().get('ws').fmul().fadd().set(`e${r}`);
            f.get('wp').get('J4').add().set('wp');
          },
        );
        for (let r = 0; r < rows; r++) f.get(`o${r}`).get('jb').add().get(`e${r}`).f32store();
      },
    );
  };
  const rowsAt = (rows: number) => {
    for (let r = 0; r < rows; r++) {
      f.get('x').get('m').i32(r).add().get('K4').mul().add().set(`x${r}`);
      f.get('out').get('m').i32(r).add().get('J4').mul().add().set(`o${r}`);
    }
    block(rows);
  };
  f.for(
    'm',
    () => f.i32(0),
    () => f.get('M'),
    R,
    () => rowsAt(R),
    true,
  );
  f.for(
    'm',
    () => f.get('m'),
    () => f.get('M'),
    1,
    () => rowsAt(1),
  );
  return f;
}

/**
 * the kernels' module bytes; `shared`: for a shared (threaded build) memory; `fma`: the dense matmul and x^T dy with
 * relaxed SIMD's fused multiply-add (f32x4.relaxed_madd: Chromium 114+; Node 20 only with
 * --experimental-wasm-relaxed-simd). Measured (Node 20 with that flag, GFLOP/s on the lab's shapes): matmul 48-53 with
 * it against 39-43 without. Fused sums round once per step instead of twice: values differ from tfjs' matMul at
 * float32 rounding (~1e-7 relative), as the plain kernels' already may.
 */
export function kernelBytes(shared = false, fma = false): Uint8Array<ArrayBuffer> {
  return encodeModule([xtdyFn(fma), colsumFn(), matmulFn(fma), prefixFn(), mixFn(false), mixFn(true), dotsFn()], shared);
}

let fmaAllowed = true;
/** allow (default) or refuse the fused multiply-add kernels for the kernels instantiated from now on (A/B, tests) */
export function setKernelFma(on: boolean): void {
  fmaAllowed = on;
}

export interface Kernels {
  memory: WebAssembly.Memory;
  /** the relaxed-SIMD fused multiply-add variant runs (kernelBytes `fma`) */
  fma: boolean;
  xtdy(x: number, dy: number, out: number, M: number, K: number, J: number): void;
  colsum(dy: number, out: number, M: number, J: number): void;
  matmul(x: number, w: number, b: number, out: number, M: number, K: number, J: number, bias: number): void;
  /** the sorted GAT's loops (gat-kernels.ts) */
  gatPrefix(n: number, h: number, ord: number, P: number, Q: number, src: number, SP: number, RQ: number): void;
  gatMix(n: number, h: number, ord: number, idx: number, a: number, b: number, X: number, Y: number, out: number): void;
  gatMixDot(
    n: number,
    h: number,
    ord: number,
    idx: number,
    a: number,
    b: number,
    X: number,
    Y: number,
    out: number,
    z: number,
    c: number,
    zu: number,
  ): void;
  gatDots(n: number, h: number, ord: number, idx: number, g: number, X: number, Y: number, gx: number, gy: number): void;
}

/** instantiate the kernels over `memory` (synchronous: the module is small); null where wasm SIMD is unavailable */
export function instantiateKernels(memory: WebAssembly.Memory, shared = false): Kernels | null {
  try {
    if (typeof WebAssembly === 'undefined') return null;
    // the fused multiply-add variant where the engine has relaxed SIMD, else the plain SIMD one
    const fmaBytes = fmaAllowed ? kernelBytes(shared, true) : null;
    const fma = !!fmaBytes && WebAssembly.validate(fmaBytes);
    const bytes = fma ? fmaBytes! : kernelBytes(shared);
    if (!WebAssembly.validate(bytes)) return null;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    return { ...(inst.exports as unknown as Omit<Kernels, 'memory' | 'fma'>), memory, fma };
  } catch {
    return null;
  }
}

/**
 * Standalone use on plain arrays (tests, the cpu backend): the kernels over their own memory, inputs copied in.
 * x [M, K], dy [M, J] row-major -> x^T dy [K, J] (and the column sums of dy [J]).
 */
export function xtdyArrays(
  x: Float32Array,
  dy: Float32Array,
  M: number,
  K: number,
  J: number,
): { dw: Float32Array; db: Float32Array } | null {
  const bytes = 4 * (M * K + M * J + K * J + J);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const k = instantiateKernels(memory);
  if (!k) return null;
  const heap = new Float32Array(memory.buffer);
  const px = 0,
    pdy = px + M * K,
    pdw = pdy + M * J,
    pdb = pdw + K * J;
  heap.set(x, px);
  heap.set(dy, pdy);
  k.xtdy(4 * px, 4 * pdy, 4 * pdw, M, K, J);
  k.colsum(4 * pdy, 4 * pdb, M, J);
  return { dw: heap.slice(pdw, pdw + K * J), db: heap.slice(pdb, pdb + J) };
}
