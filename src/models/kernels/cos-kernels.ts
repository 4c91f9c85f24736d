/**
 * FactorVAE's cosine attention scores (eq. 14, models/factorvae/attention-wasm.ts) as wasm SIMD loops over tfjs-wasm's
 * heap, 4 key components per vector; keys [R, K, H] row-major, queries q^ [K, H] (already unit length), H a multiple
 * of 4. Byte pointers throughout.
 *   cosFwd(keys, q, out, nrm, R, K, H):   nrm[i] = sqrt(||key_i||^2 + 1e-12),  out[i] = (q^_k . key_i) / nrm[i]
 *                                          for i = r K + k (the sums in 4 lanes, then the lanes added)
 *   cosBack(keys, q, nrm, cos, g, dkeys, dq, R, K, H):
 *                                          a = g_i / nrm_i,  b = g_i cos_i / nrm_i^2
 *                                          dkeys_i = a q^_k - b key_i,   dq_k += a key_i   (dq zeroed here first)
 * A module of its own (as gru-kernels.ts): when it cannot be built the JS loops of attention-wasm.ts run.
 * Why: those loops were ~7% of a FactorVAE step (R = 400 stocks, K = 32 heads, H = 64: 819k key components read
 * twice forward and three times backward, in scalar JS).
 */
import { Fn, I32, F32, V128, moduleOver } from './wasm-asm';

/** f32.sqrt / f32.div (scalar opcodes wasm-asm does not name) */
const F32_SQRT = 0x91,
  F32_DIV = 0x95;

/** k <- k + 1, back to 0 at K: the head of row i = r K + k, counted alongside i (no division) */
function nextHead(f: Fn) {
  f.get('k').i32(1).add().tee('k').get('K').ltS();
  f.code.push(0x04, 0x40); // if k < K: nothing
  f.code.push(0x05); // else
  f.i32(0).set('k');
  f.code.push(0x0b);
}

function cosFwdFn(): Fn {
  const f = new Fn('cosFwd', [
    ['keys', I32],
    ['q', I32],
    ['out', I32],
    ['nrm', I32],
    ['R', I32],
    ['K', I32],
    ['H', I32],
  ]);
  f.local(I32, 'i', 'n', 'k', 'kp', 'qp', 'j', 'H4');
  f.local(V128, 's1', 's2', 'v');
  f.local(F32, 'a', 'c');
  f.get('H').i32(2).shl().set('H4');
  f.get('R').get('K').mul().set('n');
  f.for(
    'i',
    () => f.i32(0),
    () => f.get('n'),
    1,
    () => {
      f.get('keys').get('i').get('H4').mul().add().set('kp');
      f.get('q').get('k').get('H4').mul().add().set('qp');
      f.vzero().set('s1');
      f.vzero().set('s2');
      f.for(
        'j',
        () => f.i32(0),
        () => f.get('H4'),
        16,
        () => {
          f.get('kp').get('j').add().vload().tee('v');
          f.get('v').vfmul().get('s1').vfadd().set('s1');
          f.get('v').get('qp').get('j').add().vload().vfmul().get('s2').vfadd().set('s2');
        },
        true,
      );
      // a = sqrt(sum of s1's lanes + 1e-12), c = sum of s2's lanes
      f.get('s1').vlane(0).get('s1').vlane(1).fadd().get('s1').vlane(2).fadd().get('s1').vlane(3).fadd();
      f.f32(1e-12).fadd();
      f.code.push(F32_SQRT);
      f.set('a');
      f.get('s2').vlane(0).get('s2').vlane(1).fadd().get('s2').vlane(2).fadd().get('s2').vlane(3).fadd().set('c');
      f.get('nrm').get('i').i32(2).shl().add().get('a').f32store();
      f.get('out').get('i').i32(2).shl().add().get('c').get('a');
      f.code.push(F32_DIV);
      f.f32store();
      nextHead(f);
    },
  );
  return f;
}

function cosBackFn(): Fn {
  const f = new Fn('cosBack', [
    ['keys', I32],
    ['q', I32],
    ['nrm', I32],
    ['cos', I32],
    ['g', I32],
    ['dkeys', I32],
    ['dq', I32],
    ['R', I32],
    ['K', I32],
    ['H', I32],
  ]);
  f.local(I32, 'i', 'n', 'k', 'kp', 'qp', 'dp', 'op', 'j', 'H4', 'end');
  f.local(V128, 'va', 'vb', 'v');
  f.local(F32, 'inv', 'a');
  f.get('H').i32(2).shl().set('H4');
  f.get('R').get('K').mul().set('n');
  // dq = 0
  f.get('dq').get('K').get('H4').mul().add().set('end');
  f.for(
    'j',
    () => f.get('dq'),
    () => f.get('end'),
    4,
    () => {
      f.get('j').f32(0).f32store();
    },
  );
  f.for(
    'i',
    () => f.i32(0),
    () => f.get('n'),
    1,
    () => {
      // inv = 1 / nrm_i, a = g_i inv, b = g_i cos_i inv^2 (splat into va, vb)
      f.f32(1).get('nrm').get('i').i32(2).shl().add().f32load();
      f.code.push(F32_DIV);
      f.set('inv');
      f.get('g').get('i').i32(2).shl().add().f32load().get('inv').fmul().tee('a').fsplat().set('va');
      f.get('a').get('cos').get('i').i32(2).shl().add().f32load().fmul().get('inv').fmul().fsplat().set('vb');
      f.get('keys').get('i').get('H4').mul().add().set('kp');
      f.get('dkeys').get('i').get('H4').mul().add().set('dp');
      f.get('q').get('k').get('H4').mul().add().set('qp');
      f.get('dq').get('k').get('H4').mul().add().set('op');
      f.for(
        'j',
        () => f.i32(0),
        () => f.get('H4'),
        16,
        () => {
          f.get('kp').get('j').add().vload().set('v');
          // dkeys = a q^ - b key
          f.get('dp').get('j').add();
          f.get('qp').get('j').add().vload().get('va').vfmul().get('v').get('vb').vfmul().vfsub();
          f.vstore();
          // dq_k += a key
          f.get('op').get('j').add();
          f.get('op').get('j').add().vload().get('v').get('va').vfmul().vfadd();
          f.vstore();
        },
        true,
      );
      nextHead(f);
    },
  );
  return f;
}

export interface CosKernels {
  cosFwd(keys: number, q: number, out: number, nrm: number, R: number, K: number, H: number): void;
  cosBack(keys: number, q: number, nrm: number, cos: number, g: number, dkeys: number, dq: number, R: number, K: number, H: number): void;
}

const byMemory = new WeakMap<WebAssembly.Memory, CosKernels | null>();
/** the kernels over `memory` (cached per memory); null where they cannot be built (the JS loops run instead) */
export const cosKernelsFor = (memory: WebAssembly.Memory): CosKernels | null =>
  moduleOver(byMemory, memory, () => [cosFwdFn(), cosBackFn()]);
