/**
 * The O(n h) loops of the sorted GAT kernel (src/models/layers/gat.ts) as wasm f64x2 SIMD functions; the driver
 * (gat-wasm.ts) keeps the sorts, binary searches and exponentials (O(n log n) scalars) in JS. Same float64 arithmetic
 * as the JS kernel, two columns at a time. Pointers are byte offsets; `ord` / `idx` are i32 arrays, the per-row
 * coefficients f64 arrays, X / Y f64 tables of rows of h, the node data (z, g, out) f32 rows of h at node k * h.
 *   prefix(n, h, ord, P, Q, src, SP, RQ):   SP[r+1] = SP[r] + P[r] src[ord[r]],  SP[0] = 0
 *                                           RQ[r]   = RQ[r+1] + Q[r] src[ord[r]], RQ[n] = 0
 *   mix(n, h, ord, idx, a, b, X, Y, out):   out[ord[r]] = a[r] X[idx[r]] + b[r] Y[idx[r]]   (f32 rows)
 *   mixDot(..., out, z, c, zu):             the same, and zu[r] = z[ord[r]] . (a[r] X[idx[r]] + c b[r] Y[idx[r]])
 *   dots(n, h, ord, idx, g, X, Y, gx, gy):  gx[r] = g[ord[r]] . X[idx[r]],  gy[r] = g[ord[r]] . Y[idx[r]]
 * h must be even (the driver falls back to the JS kernel otherwise).
 */
import { F64, Fn, I32, V128 } from './wasm-asm';

/** prefix / suffix sums of weighted rows (see the file comment) */
export function prefixFn(): Fn {
  const f = new Fn('gatPrefix', [
    ['n', I32],
    ['h', I32],
    ['ord', I32],
    ['P', I32],
    ['Q', I32],
    ['src', I32],
    ['SP', I32],
    ['RQ', I32],
  ]);
  f.local(I32, 'r', 'rr', 'cb', 'hb4', 'hb8', 'zr', 'o0', 'end');
  f.local(V128, 'w');
  f.get('h').i32(2).shl().set('hb4');
  f.get('h').i32(3).shl().set('hb8');
  const zero = (row: () => void) => {
    row();
    f.set('o0');
    f.get('o0').get('hb8').add().set('end');
    f.for(
      'cb',
      () => f.get('o0'),
      () => f.get('end'),
      16,
      () => {
        f.get('cb').vzero().vstore();
      },
    );
  };
  zero(() => f.get('SP'));
  zero(() => f.get('RQ').get('n').get('hb8').mul().add());
  /** dst row r (+1 for SP) = prev row + w * src[ord[r]]; `forward`: SP from row r to r+1, else RQ from r+1 to r */
  const sweep = (forward: boolean) => {
    f.for(
      'rr',
      () => f.i32(0),
      () => f.get('n'),
      1,
      () => {
        if (forward) f.get('rr').set('r');
        else f.get('n').i32(1).sub().get('rr').sub().set('r');
        f.get(forward ? 'P' : 'Q')
          .get('r')
          .i32(3)
          .shl()
          .add()
          .f64load()
          .dsplat()
          .set('w');
        f.get('src').get('ord').get('r').i32(2).shl().add().i32load().get('hb4').mul().add().set('zr');
        f.get(forward ? 'SP' : 'RQ')
          .get('r')
          .get('hb8')
          .mul()
          .add()
          .set('o0');
        f.for(
          'cb',
          () => f.i32(0),
          () => f.get('hb4'),
          8,
          () => {
            // destination: forward o0 + hb8 + 2 cb (row r + 1), backward o0 + 2 cb (row r)
            f.get('o0').get('cb').i32(1).shl().add();
            if (forward) f.get('hb8').add();
            // previous: forward row r, backward row r + 1
            f.get('o0').get('cb').i32(1).shl().add();
            if (!forward) f.get('hb8').add();
            f.vload();
            f.get('zr').get('cb').add().vload2f32().get('w').vdmul().vdadd();
            f.vstore();
          },
        );
      },
    );
  };
  sweep(true);
  sweep(false);
  return f;
}

/** mix / mixDot (see the file comment) */
export function mixFn(dot: boolean): Fn {
  const params: [string, number][] = [
    ['n', I32],
    ['h', I32],
    ['ord', I32],
    ['idx', I32],
    ['a', I32],
    ['b', I32],
    ['X', I32],
    ['Y', I32],
    ['out', I32],
  ];
  if (dot) params.push(['z', I32], ['c', F64], ['zu', I32]);
  const f = new Fn(dot ? 'gatMixDot' : 'gatMix', params);
  f.local(I32, 'r', 'cb', 'hb4', 'hb8', 'xo', 'yo', 'orow', 'zrow', 'node');
  f.local(V128, 'av', 'bv', 'cbv', 'xv', 'yv', 'acc');
  f.get('h').i32(2).shl().set('hb4');
  f.get('h').i32(3).shl().set('hb8');
  f.for(
    'r',
    () => f.i32(0),
    () => f.get('n'),
    1,
    () => {
      f.get('a').get('r').i32(3).shl().add().f64load().dsplat().set('av');
      f.get('b').get('r').i32(3).shl().add().f64load().dsplat().set('bv');
      f.get('idx').get('r').i32(2).shl().add().i32load().get('hb8').mul().set('xo');
      f.get('Y').get('xo').add().set('yo');
      f.get('X').get('xo').add().set('xo');
      f.get('ord').get('r').i32(2).shl().add().i32load().get('hb4').mul().set('node');
      f.get('out').get('node').add().set('orow');
      if (dot) {
        f.get('z').get('node').add().set('zrow');
        f.get('bv').get('c').dsplat().vdmul().set('cbv');
        f.vzero().set('acc');
      }
      f.for(
        'cb',
        () => f.i32(0),
        () => f.get('hb4'),
        8,
        () => {
          f.get('xo').get('cb').i32(1).shl().add().vload().set('xv');
          f.get('yo').get('cb').i32(1).shl().add().vload().set('yv');
          f.get('orow').get('cb').add();
          f.get('xv').get('av').vdmul().get('yv').get('bv').vdmul().vdadd();
          f.vstore2f32();
          if (dot) {
            f.get('acc');
            f.get('zrow').get('cb').add().vload2f32();
            f.get('xv').get('av').vdmul().get('yv').get('cbv').vdmul().vdadd();
            f.vdmul().vdadd().set('acc');
          }
        },
      );
      if (dot) {
        f.get('zu').get('r').i32(3).shl().add();
        f.get('acc').vdlane(0).get('acc').vdlane(1).dadd();
        f.f64store();
      }
    },
  );
  return f;
}

/** dots (see the file comment) */
export function dotsFn(): Fn {
  const f = new Fn('gatDots', [
    ['n', I32],
    ['h', I32],
    ['ord', I32],
    ['idx', I32],
    ['g', I32],
    ['X', I32],
    ['Y', I32],
    ['gx', I32],
    ['gy', I32],
  ]);
  f.local(I32, 'r', 'cb', 'hb4', 'hb8', 'xo', 'yo', 'grow');
  f.local(V128, 'gv', 'ax', 'ay');
  f.get('h').i32(2).shl().set('hb4');
  f.get('h').i32(3).shl().set('hb8');
  f.for(
    'r',
    () => f.i32(0),
    () => f.get('n'),
    1,
    () => {
      f.get('idx').get('r').i32(2).shl().add().i32load().get('hb8').mul().set('xo');
      f.get('Y').get('xo').add().set('yo');
      f.get('X').get('xo').add().set('xo');
      f.get('g').get('ord').get('r').i32(2).shl().add().i32load().get('hb4').mul().add().set('grow');
      f.vzero().set('ax');
      f.vzero().set('ay');
      f.for(
        'cb',
        () => f.i32(0),
        () => f.get('hb4'),
        8,
        () => {
          f.get('grow').get('cb').add().vload2f32().set('gv');
          f.get('ax').get('gv').get('xo').get('cb').i32(1).shl().add().vload().vdmul().vdadd().set('ax');
          f.get('ay').get('gv').get('yo').get('cb').i32(1).shl().add().vload().vdmul().vdadd().set('ay');
        },
      );
      f.get('gx').get('r').i32(3).shl().add();
      f.get('ax').vdlane(0).get('ax').vdlane(1).dadd();
      f.f64store();
      f.get('gy').get('r').i32(3).shl().add();
      f.get('ay').vdlane(0).get('ay').vdlane(1).dadd();
      f.f64store();
    },
  );
  return f;
}
