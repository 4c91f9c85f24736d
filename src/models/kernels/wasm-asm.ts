/**
 * A tiny WebAssembly binary writer: just what the lab's hand-written kernels need (i32 / f32 scalar ops, a few
 * 128-bit SIMD ops, structured control flow, one imported memory). There is no WAT compiler among the dependencies
 * (wabt is absent), so the kernels (kernels.ts) are written as code in this small assembler and encoded to bytes at
 * start-up (a few hundred bytes, well under a millisecond); the binary format is the WebAssembly 2.0 spec's
 * (sections 5.x; SIMD opcodes from the fixed-width SIMD proposal, shipped in Chromium 91+ and Node 16.4+).
 */

export const I32 = 0x7f,
  F32 = 0x7d,
  F64 = 0x7c,
  V128 = 0x7b;

/** unsigned LEB128 */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** signed LEB128 (32-bit) */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const str = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

/** A function body under construction: locals by name, instructions appended as bytes. */
export class Fn {
  readonly code: number[] = [];
  private readonly localIdx = new Map<string, number>();
  private readonly extra: number[] = []; // types of the non-parameter locals
  constructor(
    readonly name: string,
    readonly params: [string, number][],
    readonly results: number[] = [],
  ) {
    params.forEach(([n], i) => this.localIdx.set(n, i));
  }
  /** declare locals of one type */
  local(type: number, ...names: string[]): this {
    for (const n of names) {
      this.localIdx.set(n, this.params.length + this.extra.length);
      this.extra.push(type);
    }
    return this;
  }
  private idx(n: string): number {
    const i = this.localIdx.get(n);
    if (i === undefined) throw new Error(`wasm-asm: unknown local ${n} in ${this.name}`);
    return i;
  }
  private op(...b: number[]): this {
    this.code.push(...b);
    return this;
  }
  get(n: string) {
    return this.op(0x20, ...uleb(this.idx(n)));
  }
  set(n: string) {
    return this.op(0x21, ...uleb(this.idx(n)));
  }
  tee(n: string) {
    return this.op(0x22, ...uleb(this.idx(n)));
  }
  i32(v: number) {
    return this.op(0x41, ...sleb(v));
  }
  f32(v: number) {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(0x43, ...b);
  }
  add() {
    return this.op(0x6a);
  }
  sub() {
    return this.op(0x6b);
  }
  mul() {
    return this.op(0x6c);
  }
  shl() {
    return this.op(0x74);
  }
  ltS() {
    return this.op(0x48);
  }
  leS() {
    return this.op(0x4c);
  }
  geS() {
    return this.op(0x4e);
  }
  /** f32 load / store at [addr + offset] */
  f32load(offset = 0) {
    return this.op(0x2a, 2, ...uleb(offset));
  }
  f32store(offset = 0) {
    return this.op(0x38, 2, ...uleb(offset));
  }
  i32load(offset = 0) {
    return this.op(0x28, 2, ...uleb(offset));
  }
  fadd() {
    return this.op(0x92);
  }
  fsub() {
    return this.op(0x93);
  }
  fmul() {
    return this.op(0x94);
  }
  // SIMD (prefix 0xfd); memarg alignment hint 0 (unaligned is legal, the hint only)
  vload(offset = 0) {
    return this.op(0xfd, ...uleb(0x00), 0, ...uleb(offset));
  }
  vstore(offset = 0) {
    return this.op(0xfd, ...uleb(0x0b), 0, ...uleb(offset));
  }
  /** load one f32 and splat it to 4 lanes */
  vload32splat(offset = 0) {
    return this.op(0xfd, ...uleb(0x09), 2, ...uleb(offset));
  }
  fsplat() {
    return this.op(0xfd, ...uleb(0x13));
  }
  vfadd() {
    return this.op(0xfd, ...uleb(0xe4));
  }
  vfsub() {
    return this.op(0xfd, ...uleb(0xe5));
  }
  vfmul() {
    return this.op(0xfd, ...uleb(0xe6));
  }
  vzero() {
    return this.op(0xfd, ...uleb(0x0c), ...new Array(16).fill(0));
  }
  /** f32x4.extract_lane */
  vlane(i: number) {
    return this.op(0xfd, ...uleb(0x1f), i);
  }
  f64load(offset = 0) {
    return this.op(0x2b, 3, ...uleb(offset));
  }
  f64store(offset = 0) {
    return this.op(0x39, 3, ...uleb(offset));
  }
  dadd() {
    return this.op(0xa0);
  }
  // f64x2
  dsplat() {
    return this.op(0xfd, ...uleb(0x14));
  }
  vdadd() {
    return this.op(0xfd, ...uleb(0xf0));
  }
  vdmul() {
    return this.op(0xfd, ...uleb(0xf2));
  }
  /** f64x2.extract_lane */
  vdlane(i: number) {
    return this.op(0xfd, ...uleb(0x21), i);
  }
  /** two f32 at [addr] widened to f64x2 (v128.load64_zero + f64x2.promote_low_f32x4) */
  vload2f32() {
    return this.op(0xfd, ...uleb(0x5d), 3, 0, 0xfd, ...uleb(0x5f));
  }
  /** f64x2 narrowed to two f32 stored at [addr] (f32x4.demote_f64x2_zero + v128.store64_lane 0) */
  vstore2f32() {
    return this.op(0xfd, ...uleb(0x5e), 0xfd, ...uleb(0x5b), 3, 0, 0);
  }
  drop() {
    return this.op(0x1a);
  }
  /** `block { loop { body } }`: `br 1` (brk) leaves, `br 0` (cont) repeats */
  loop(body: () => void) {
    this.op(0x02, 0x40, 0x03, 0x40);
    body();
    return this.op(0x0b, 0x0b);
  }
  /** inside loop(): leave when the i32 on the stack is non-zero */
  brkIf() {
    return this.op(0x0d, 1);
  }
  /** inside loop(): jump back to the start */
  cont() {
    return this.op(0x0c, 0);
  }
  /**
   * for (v = from; v < lim; v += step) body. `from` and `lim` push an i32. The test is `v + span <= lim` where span
   * = step when `whole` (only whole steps run), else `v < lim`.
   */
  for(v: string, from: () => void, lim: () => void, step: number, body: () => void, whole = false) {
    from();
    this.set(v);
    this.loop(() => {
      this.get(v);
      if (whole) this.i32(step).add();
      lim();
      if (whole)
        this.op(0x4a); // i32.gt_s: v + step > lim -> leave
      else this.geS(); // v >= lim -> leave
      this.brkIf();
      body();
      this.get(v).i32(step).add().set(v);
      this.cont();
    });
    return this;
  }
  bytes(): number[] {
    // locals as runs of one type
    const runs: number[][] = [];
    for (let i = 0; i < this.extra.length;) {
      let j = i;
      while (j < this.extra.length && this.extra[j] === this.extra[i]) j++;
      runs.push([...uleb(j - i), this.extra[i]]);
      i = j;
    }
    const body = [...vec(runs), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/**
 * A module of functions over one imported memory `env.memory` (every function exported by its name).
 * `shared`: import a shared memory (tfjs's threaded wasm build), which must declare a maximum.
 */
export function encodeModule(fns: Fn[], shared = false): Uint8Array<ArrayBuffer> {
  const types = fns.map((f) => [0x60, ...vec(f.params.map(([, t]) => [t])), ...vec(f.results.map((t) => [t]))]);
  const limits = shared ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...str('env'), ...str('memory'), 0x02, ...limits]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.bytes()))),
  ];
  return new Uint8Array(bytes);
}

/**
 * A module of `fns` instantiated over `memory` once per memory: `cache` holds the exports (or null where the engine
 * refuses the module, e.g. no wasm SIMD; the callers then run their JS or tfjs path). A shared memory (tfjs' threaded
 * build) gets a module that imports it as shared.
 */
export function moduleOver<T>(cache: WeakMap<WebAssembly.Memory, T | null>, memory: WebAssembly.Memory, fns: () => Fn[]): T | null {
  if (cache.has(memory)) return cache.get(memory)!;
  let k: T | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = encodeModule(fns(), shared);
    if (WebAssembly.validate(bytes))
      k = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as T;
  } catch {
    k = null;
  }
  cache.set(memory, k);
  return k;
}
