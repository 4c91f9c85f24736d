/** Stable 64-bit FNV-1a hashes (two 32-bit lanes with different offsets) for dataset fingerprints and run keys. */
export class Fnv64 {
  private a = 0x811c9dc5;
  private b = 0xcbf29ce4;
  private i = 0;
  bytes(v: Uint8Array): this {
    let a = this.a,
      b = this.b,
      i = this.i;
    for (let k = 0; k < v.length; k++, i++) {
      a = Math.imul(a ^ v[k], 0x01000193) >>> 0;
      b = Math.imul(b ^ v[k] ^ (i & 0xff), 0x01000193) >>> 0;
    }
    this.a = a;
    this.b = b;
    this.i = i;
    return this;
  }
  text(s: string): this {
    return this.bytes(new TextEncoder().encode(s + '\u0000'));
  }
  typed(v: ArrayBufferView): this {
    return this.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  hex(): string {
    return this.a.toString(16).padStart(8, '0') + this.b.toString(16).padStart(8, '0');
  }
}

/** Fingerprint of a panel's identity: dates, tickers, factor names, horizons and forward returns (not the factors). */
export function panelFingerprint(p: {
  dates: string[];
  tickers: string[];
  factorNames: string[];
  horizons: number[];
  fwd: Float32Array;
}): string {
  return new Fnv64()
    .text(p.dates.join(','))
    .text(p.tickers.join(','))
    .text(p.factorNames.join(','))
    .text(p.horizons.join(','))
    .typed(p.fwd)
    .hex();
}

/** the run key of a bundle: its methods' run keys, sorted, hashed together */
export const bundleRunKey = (keys: string[]): string => `run-${new Fnv64().text([...keys].sort().join('|')).hex()}`;
