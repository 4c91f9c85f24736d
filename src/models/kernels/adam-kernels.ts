/**
 * One Adam update of a float32 variable as a wasm SIMD loop over tfjs-wasm's heap (train/adam.ts), in the exact order
 * and precision of tfjs' AdamOptimizer (tfjs-core optimizers/adam_optimizer.js), so the result is the same to the bit:
 *   m' = m b1 + g (1 - b1)                 v' = v b2 + (g g) (1 - b2)
 *   w' = ((m' / k1) / (sqrt(v' / k2) + eps)) (-lr) + w          k1 = 1 - b1^t, k2 = 1 - b2^t (float32 scalars)
 * every operation in float32 (wasm's f32 arithmetic is IEEE, as XNNPACK's elementwise kernels are; no fused
 * multiply-add on either side). Writes w', m', v' to three new buffers (the caller assigns them: no tensor is changed
 * in place, so a tensor sharing a variable's data keeps its values).
 *   adam(w, g, m, v, ow, om, ov, n, b1, c1, b2, c2, k1, k2, eps, nlr)   c1 = 1 - b1, c2 = 1 - b2, nlr = -lr
 * A module of its own (as gru-kernels.ts): when it cannot be built the tfjs optimizer runs.
 */
import { Fn, I32, F32, V128, uleb, moduleOver } from './wasm-asm';

const F32_SQRT = 0x91,
  F32_DIV = 0x95,
  F32X4_SQRT = 0xe3,
  F32X4_DIV = 0xe7;

function adamFn(): Fn {
  const f = new Fn('adam', [
    ['w', I32],
    ['g', I32],
    ['m', I32],
    ['v', I32],
    ['ow', I32],
    ['om', I32],
    ['ov', I32],
    ['n', I32],
    ['b1', F32],
    ['c1', F32],
    ['b2', F32],
    ['c2', F32],
    ['k1', F32],
    ['k2', F32],
    ['eps', F32],
    ['nlr', F32],
  ]);
  f.local(I32, 'q', 'n4', 'nv4');
  f.local(V128, 'vb1', 'vc1', 'vb2', 'vc2', 'vk1', 'vk2', 'veps', 'vnlr', 'gv', 'mv', 'vv');
  f.local(F32, 'gs', 'ms', 'vs');
  const vop = (op: number) => f.code.push(0xfd, ...uleb(op));
  for (const [s, v] of [
    ['b1', 'vb1'],
    ['c1', 'vc1'],
    ['b2', 'vb2'],
    ['c2', 'vc2'],
    ['k1', 'vk1'],
    ['k2', 'vk2'],
    ['eps', 'veps'],
    ['nlr', 'vnlr'],
  ])
    f.get(s).fsplat().set(v);
  f.get('n').i32(2).shl().set('n4');
  f.get('n').i32(-4);
  f.code.push(0x71); // i32.and
  f.i32(2).shl().set('nv4');
  f.for(
    'q',
    () => f.i32(0),
    () => f.get('nv4'),
    16,
    () => {
      f.get('g').get('q').add().vload().set('gv');
      // m' = m b1 + g c1
      f.get('m').get('q').add().vload().get('vb1').vfmul().get('gv').get('vc1').vfmul().vfadd().set('mv');
      // v' = v b2 + (g g) c2
      f.get('v').get('q').add().vload().get('vb2').vfmul().get('gv').get('gv').vfmul().get('vc2').vfmul().vfadd().set('vv');
      f.get('om').get('q').add().get('mv').vstore();
      f.get('ov').get('q').add().get('vv').vstore();
      // w' = ((m' / k1) / (sqrt(v' / k2) + eps)) nlr + w
      f.get('ow').get('q').add();
      f.get('mv').get('vk1');
      vop(F32X4_DIV);
      f.get('vv').get('vk2');
      vop(F32X4_DIV);
      vop(F32X4_SQRT);
      f.get('veps').vfadd();
      vop(F32X4_DIV);
      f.get('vnlr').vfmul();
      f.get('w').get('q').add().vload().vfadd();
      f.vstore();
    },
    true,
  );
  f.for(
    'q',
    () => f.get('nv4'),
    () => f.get('n4'),
    4,
    () => {
      f.get('g').get('q').add().f32load().set('gs');
      f.get('m').get('q').add().f32load().get('b1').fmul().get('gs').get('c1').fmul().fadd().set('ms');
      f.get('v').get('q').add().f32load().get('b2').fmul().get('gs').get('gs').fmul().get('c2').fmul().fadd().set('vs');
      f.get('om').get('q').add().get('ms').f32store();
      f.get('ov').get('q').add().get('vs').f32store();
      f.get('ow').get('q').add();
      f.get('ms').get('k1');
      f.code.push(F32_DIV);
      f.get('vs').get('k2');
      f.code.push(F32_DIV);
      f.code.push(F32_SQRT);
      f.get('eps').fadd();
      f.code.push(F32_DIV);
      f.get('nlr').fmul();
      f.get('w').get('q').add().f32load().fadd();
      f.f32store();
    },
  );
  return f;
}

export interface AdamKernels {
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    ow: number,
    om: number,
    ov: number,
    n: number,
    b1: number,
    c1: number,
    b2: number,
    c2: number,
    k1: number,
    k2: number,
    eps: number,
    nlr: number,
  ): void;
}

const byMemory = new WeakMap<WebAssembly.Memory, AdamKernels | null>();
/** the kernel over `memory` (cached per memory); null where it cannot be built (tfjs' optimizer runs instead) */
export const adamKernelsFor = (memory: WebAssembly.Memory): AdamKernels | null => moduleOver(byMemory, memory, () => [adamFn()]);
