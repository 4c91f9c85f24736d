/**
 * The fused GRU's forward gates (layers/gru-fused.ts) as a wasm SIMD kernel over tfjs-wasm's heap, 4 hidden units per
 * vector. Per stock m of one step t (byte pointers, row strides in bytes):
 *   r = sigmoid(G_x,r + G_h,r),  z = sigmoid(G_x,z + G_h,z),  n = tanh(G_x,n + r G_h,n)
 *   h_t = h_{t-1} + m_t (n + z (h_{t-1} - n) - h_{t-1})
 * writing (r, z, n, G_h,n) and h_t (to the next step's state and / or the output; pointer 0 = skip).
 * exp in float32: x clamped to [-87, 88], x = k ln2 + r (Cephes' two-part ln 2), exp(r) by its Taylor polynomial of
 * degree 7 (|r| <= ln2 / 2: truncation < 2e-8 relative), 2^k built in the exponent bits: a few float32 ulps, the same
 * as the JS loop it replaces to ~1e-7 (gru-fused.test.ts compares both and the op-based GRU).
 * A module of its own (not in kernels.ts): when it cannot be built the JS loop runs and the other kernels are not
 * affected. Measured (Node, 400 stocks x 64 units x 20 steps, load ~4): the fused forward 25-29 ms with the JS loop, 17-18 with this kernel.
 */
import { Fn, I32, V128, uleb, moduleOver } from './wasm-asm';

/** SIMD opcodes beyond wasm-asm's set (WebAssembly 2.0 fixed-width SIMD) */
const OP = {
  f32x4neg: 0xe1,
  f32x4div: 0xe7,
  f32x4min: 0xe8,
  f32x4max: 0xe9,
  f32x4nearest: 0x6a,
  i32x4truncSatF32x4S: 0xf8,
  i32x4shl: 0xab,
  i32x4add: 0xae,
};
const simd = (f: Fn, op: number) => {
  f.code.push(0xfd, ...uleb(op));
  return f;
};
/** v128.const of four equal lanes (f32 or i32) */
function vconst(f: Fn, v: number, int = false) {
  const lane = new Uint8Array(int ? new Int32Array([v]).buffer : new Float32Array([v]).buffer);
  f.code.push(0xfd, ...uleb(0x0c));
  for (let i = 0; i < 4; i++) f.code.push(...lane);
  return f;
}

/** exp of the v128 on the stack (4 x f32), leaves the result on the stack; uses locals ex, ek */
function vexp(f: Fn) {
  vconst(f, 88);
  simd(f, OP.f32x4min);
  vconst(f, -87);
  simd(f, OP.f32x4max).tee('ex');
  vconst(f, Math.LOG2E).vfmul();
  simd(f, OP.f32x4nearest).set('ek');
  // r = x - k C1 - k C2 (Cephes: C1 = 0.693359375 exact in few bits, C2 = -2.12194440e-4)
  f.get('ex').get('ek');
  vconst(f, 0.693359375).vfmul().vfsub().get('ek');
  vconst(f, -2.1219444e-4).vfmul().vfsub().set('ex');
  // Taylor polynomial, Horner
  const c = [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1];
  vconst(f, c[0]);
  for (let i = 1; i < c.length; i++) {
    f.get('ex').vfmul();
    vconst(f, c[i]).vfadd();
  }
  // times 2^k: ((k + 127) << 23) as float bits
  f.get('ek');
  simd(f, OP.i32x4truncSatF32x4S);
  vconst(f, 127, true);
  simd(f, OP.i32x4add).i32(23);
  simd(f, OP.i32x4shl);
  return f.vfmul();
}

/**
 * gruGates(gx, xs, gh, hp, mk, ms, ga, hn, out, os, M, H): one step of the forward gates for M stocks, H % 4 == 0.
 *   gx: G_x row of stock 0 (xs bytes between stocks), gh: G_h [M, 3H], hp: h_{t-1} [M, H], mk: the mask of stock 0
 *   (ms bytes between stocks), ga: (r, z, n, G_h,n) [M, 4H] out, hn: h_t [M, H] out (0 = skip), out: h_t of stock 0
 *   in the layer output (os bytes between stocks; 0 = skip).
 */
function gruGatesFn(): Fn {
  const f = new Fn('gruGates', [
    ['gx', I32],
    ['xs', I32],
    ['gh', I32],
    ['hp', I32],
    ['mk', I32],
    ['ms', I32],
    ['ga', I32],
    ['hn', I32],
    ['out', I32],
    ['os', I32],
    ['M', I32],
    ['H', I32],
  ]);
  f.local(I32, 'm', 'j', 'H4', 'H8');
  f.local(V128, 'ex', 'ek', 'mv', 'r', 'z', 'n', 'h0', 'ghn', 'h1');
  f.get('H').i32(2).shl().set('H4');
  f.get('H4').i32(1).shl().set('H8');
  f.for(
    'm',
    () => f.i32(0),
    () => f.get('M'),
    1,
    () => {
      f.get('mk').f32load().fsplat().set('mv');
      f.for(
        'j',
        () => f.i32(0),
        () => f.get('H4'),
        16,
        () => {
          // r = sigmoid(a) = 1 / (1 + exp(-a))
          vconst(f, 1);
          f.get('gx').get('j').add().vload().get('gh').get('j').add().vload().vfadd();
          simd(f, OP.f32x4neg);
          vexp(f);
          vconst(f, 1).vfadd();
          simd(f, OP.f32x4div).set('r');
          // z
          vconst(f, 1);
          f.get('gx').get('j').add().get('H4').add().vload().get('gh').get('j').add().get('H4').add().vload().vfadd();
          simd(f, OP.f32x4neg);
          vexp(f);
          vconst(f, 1).vfadd();
          simd(f, OP.f32x4div).set('z');
          // n = tanh(a) = 1 - 2 / (1 + exp(2 a)),  a = G_x,n + r G_h,n
          f.get('gh').get('j').add().get('H8').add().vload().set('ghn');
          vconst(f, 1);
          vconst(f, 2);
          f.get('gx').get('j').add().get('H8').add().vload().get('r').get('ghn').vfmul().vfadd();
          vconst(f, 2).vfmul();
          vexp(f);
          vconst(f, 1).vfadd();
          simd(f, OP.f32x4div).vfsub().set('n');
          // h1 = h0 + m (n + z (h0 - n) - h0)
          f.get('hp').get('j').add().vload().tee('h0');
          f.get('mv').get('n').get('z').get('h0').get('n').vfsub().vfmul().vfadd().get('h0').vfsub().vfmul().vfadd().set('h1');
          // gates row: r | z | n | G_h,n
          f.get('ga').get('j').add().get('r').vstore();
          f.get('ga').get('j').add().get('H4').add().get('z').vstore();
          f.get('ga').get('j').add().get('H8').add().get('n').vstore();
          f.get('ga').get('j').add().get('H8').add().get('H4').add().get('ghn').vstore();
          f.get('hn');
          f.code.push(0x04, 0x40); // if
          f.get('hn').get('j').add().get('h1').vstore();
          f.code.push(0x0b);
          f.get('out');
          f.code.push(0x04, 0x40);
          f.get('out').get('j').add().get('h1').vstore();
          f.code.push(0x0b);
        },
        true,
      );
      // next stock
      f.get('gx').get('xs').add().set('gx');
      f.get('gh').get('H8').add().get('H4').add().set('gh');
      f.get('hp').get('H4').add().set('hp');
      f.get('mk').get('ms').add().set('mk');
      f.get('ga').get('H8').add().get('H8').add().set('ga');
      f.get('hn');
      f.code.push(0x04, 0x40);
      f.get('hn').get('H4').add().set('hn');
      f.code.push(0x0b);
      f.get('out');
      f.code.push(0x04, 0x40);
      f.get('out').get('os').add().set('out');
      f.code.push(0x0b);
    },
  );
  return f;
}

/**
 * gruGatesBack(dh, dy, dys, hp, ga, mk, ms, dgx, xs, dgh, M, H): one backward step (layers/gru-fused.ts) for M stocks,
 * H % 4 == 0. d = dh row (+ the output gradient row at dy, dys bytes between stocks; dy 0 = none), with the step's
 * h_{t-1} rows (hp), gates (r, z, n, G_h,n) rows (ga) and mask (mk, ms bytes between stocks):
 *   d1 = m d, da_n = d1 (1 - z)(1 - n^2), da_r = da_n G_h,n r (1 - r), da_z = d1 (h_{t-1} - n) z (1 - z)
 *   dG_x row (xs bytes between stocks) = [da_r | da_z | da_n], dG_h row = [da_r | da_z | da_n r], dh row = d - d1 + d1 z.
 */
function gruGatesBackFn(): Fn {
  const f = new Fn('gruGatesBack', [
    ['dh', I32],
    ['dy', I32],
    ['dys', I32],
    ['hp', I32],
    ['ga', I32],
    ['mk', I32],
    ['ms', I32],
    ['dgx', I32],
    ['xs', I32],
    ['dgh', I32],
    ['M', I32],
    ['H', I32],
  ]);
  f.local(I32, 'm', 'j', 'H4', 'H8');
  f.local(V128, 'mv', 'd', 'd1', 'r', 'z', 'n', 'dan', 'dar', 'daz', 'one');
  f.get('H').i32(2).shl().set('H4');
  f.get('H4').i32(1).shl().set('H8');
  vconst(f, 1).set('one');
  f.for(
    'm',
    () => f.i32(0),
    () => f.get('M'),
    1,
    () => {
      f.get('mk').f32load().fsplat().set('mv');
      f.for(
        'j',
        () => f.i32(0),
        () => f.get('H4'),
        16,
        () => {
          f.get('dy');
          f.code.push(0x04, V128); // if (result v128)
          f.get('dh').get('j').add().vload().get('dy').get('j').add().vload().vfadd();
          f.code.push(0x05); // else
          f.get('dh').get('j').add().vload();
          f.code.push(0x0b);
          f.set('d');
          f.get('ga').get('j').add().vload().set('r');
          f.get('ga').get('j').add().get('H4').add().vload().set('z');
          f.get('ga').get('j').add().get('H8').add().vload().set('n');
          f.get('mv').get('d').vfmul().set('d1');
          // da_n = d1 (1 - z)(1 - n^2)
          f.get('d1').get('one').get('z').vfsub().vfmul().get('one').get('n').get('n').vfmul().vfsub().vfmul().set('dan');
          // da_r = da_n G_h,n r (1 - r)
          f.get('dan').get('ga').get('j').add().get('H8').add().get('H4').add().vload().vfmul();
          f.get('r').vfmul().get('one').get('r').vfsub().vfmul().set('dar');
          // da_z = d1 (h_{t-1} - n) z (1 - z)
          f.get('d1').get('hp').get('j').add().vload().get('n').vfsub().vfmul();
          f.get('z').vfmul().get('one').get('z').vfsub().vfmul().set('daz');
          f.get('dgx').get('j').add().get('dar').vstore();
          f.get('dgx').get('j').add().get('H4').add().get('daz').vstore();
          f.get('dgx').get('j').add().get('H8').add().get('dan').vstore();
          f.get('dgh').get('j').add().get('dar').vstore();
          f.get('dgh').get('j').add().get('H4').add().get('daz').vstore();
          f.get('dgh').get('j').add().get('H8').add().get('dan').get('r').vfmul().vstore();
          // dh = d - d1 + d1 z
          f.get('dh').get('j').add().get('d').get('d1').vfsub().get('d1').get('z').vfmul().vfadd().vstore();
        },
        true,
      );
      f.get('dh').get('H4').add().set('dh');
      f.get('dy');
      f.code.push(0x04, 0x40);
      f.get('dy').get('dys').add().set('dy');
      f.code.push(0x0b);
      f.get('hp').get('H4').add().set('hp');
      f.get('ga').get('H8').add().get('H8').add().set('ga');
      f.get('mk').get('ms').add().set('mk');
      f.get('dgx').get('xs').add().set('dgx');
      f.get('dgh').get('H8').add().get('H4').add().set('dgh');
    },
  );
  return f;
}

export interface GruKernels {
  gruGates(
    gx: number,
    xs: number,
    gh: number,
    hp: number,
    mk: number,
    ms: number,
    ga: number,
    hn: number,
    out: number,
    os: number,
    M: number,
    H: number,
  ): void;
  gruGatesBack(
    dh: number,
    dy: number,
    dys: number,
    hp: number,
    ga: number,
    mk: number,
    ms: number,
    dgx: number,
    xs: number,
    dgh: number,
    M: number,
    H: number,
  ): void;
}

const byMemory = new WeakMap<WebAssembly.Memory, GruKernels | null>();
/** the GRU kernels over `memory` (cached), null where they cannot be built (no wasm SIMD) */
export const gruKernelsFor = (memory: WebAssembly.Memory): GruKernels | null =>
  moduleOver(byMemory, memory, () => [gruGatesFn(), gruGatesBackFn()]);
