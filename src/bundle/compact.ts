/**
 * A compact run bundle for sharing (the gallery, e-mail): still a valid bundle that every reader opens, smaller because
 *   - scores, output channels and the explanation's relevance are float32 with the mantissa rounded to 10 of its 23 bits
 *     (round to nearest, ties to even; relative error at most 2^-11 ~ 4.9e-4): the low bytes become zeros, which the
 *     parquet writer's byte-stream-split + zstd and the zip's deflate then squeeze out;
 *   - only the evaluated horizon (each method's evalHorizon) is kept: of the scores, the per-horizon channels and the
 *     grids' forward-return columns;
 *   - relevance.parquet is dropped (the explain views read the explanation in methods/<i>.json, which stays).
 * manifest.storage says all of this (format.ts BundleStorage). The label and return grids are not rounded, so a
 * re-evaluation differs from the original only through the rounded scores: rounding is monotone (a < b gives
 * r(a) <= r(b)), so a ranking keeps its order except where it creates ties, and a per-date Pearson IC moves by at most
 * 2 u ||s|| / ||s - mean(s)|| (u = 2^-11; compact.test.ts checks that bound).
 */
import type { Panel } from '../core/panel';
import type { BundleStorage } from './format';
import { padPanel } from './grids';
import type { MethodOutput } from './metrics';
import { readBundle, type OpenedBundle } from './read';
import { writeBundle } from './write';

/** mantissa bits a compact bundle keeps */
export const COMPACT_MANTISSA_BITS = 10;

/**
 * float32 values with the mantissa rounded to `bits` bits (round to nearest, ties to even), in a new array. NaN and
 * infinities are kept; a value that would round past the largest finite float32 is truncated instead.
 */
export function roundMantissa(src: Float32Array, bits = COMPACT_MANTISSA_BITS): Float32Array {
  const out = new Float32Array(src);
  const drop = 23 - bits;
  if (drop <= 0) return out;
  const u = new Uint32Array(out.buffer, out.byteOffset, out.length);
  const half = 2 ** (drop - 1),
    mask = ~(2 ** drop - 1) >>> 0;
  for (let i = 0; i < u.length; i++) {
    const v = u[i];
    if ((v & 0x7f800000) === 0x7f800000) continue; // NaN, +-Infinity
    const lsb = (v >>> drop) & 1;
    let r = ((v + half - 1 + lsb) & mask) >>> 0;
    if ((r & 0x7f800000) === 0x7f800000) r = (v & mask) >>> 0; // would overflow to Infinity
    u[i] = r;
  }
  return out;
}

/** the rows [h, :, :] of a [H, D, N] array */
const horizonSlice = (v: Float32Array, H: number, h: number) => {
  const per = v.length / H;
  return v.slice(h * per, (h + 1) * per);
};

/** one method's output with the evaluated horizon only and the rounded values */
function compactMethod(o: MethodOutput, bits: number): MethodOutput {
  const H = o.horizons.length,
    h = o.horizons.indexOf(o.evalHorizon);
  const scoresByHorizon = roundMantissa(horizonSlice(o.scoresByHorizon, H, h), bits);
  return {
    ...o,
    horizons: [o.evalHorizon],
    scoresByHorizon,
    scores: scoresByHorizon,
    channels: (o.channels ?? []).map((c) => ({
      spec: c.spec,
      values: roundMantissa(c.spec.perHorizon ? horizonSlice(c.values, H, h) : c.values, bits),
    })),
    ...(o.explanation
      ? {
          explanation: {
            ...o.explanation,
            dates: o.explanation.dates.map((d) => ({ ...d, relevance: roundMantissa(d.relevance, bits) })),
          },
        }
      : {}),
  };
}

/** the grids as a padded panel holding the forward returns of `keep` horizons only */
function gridsPanel(b: OpenedBundle, keep: number[]): Panel {
  const p = padPanel(b);
  const TN = p.dates.length * p.tickers.length;
  const fwd = new Float32Array(keep.length * TN);
  keep.forEach((h, k) => {
    const i = p.horizons.indexOf(h);
    fwd.set(p.fwd.subarray(i * TN, (i + 1) * TN), k * TN);
  });
  return { ...p, horizons: keep, fwd };
}

/**
 * Compact a bundle (its bytes or the opened bundle): the same run, metrics.json, manifest (plus storage) and notes,
 * with rounded scores, the evaluated horizon only and no relevance.parquet. A bundle already compact is compacted
 * again (idempotent up to the manifest's storage.originalBytes).
 */
export function compactBundle(src: Uint8Array | OpenedBundle, o: { mantissaBits?: number } = {}): Uint8Array {
  const b = src instanceof Uint8Array ? readBundle(src) : src;
  const bits = o.mantissaBits ?? COMPACT_MANTISSA_BITS;
  const m = b.manifest;
  const keep = [...new Set(b.methods.map((x) => x.output.evalHorizon))].sort((x, y) => x - y);
  const dropped = [
    ...(b.files['relevance.parquet'] || m.storage?.dropped.includes('relevance.parquet') ? ['relevance.parquet'] : []),
    ...m.grids.horizons.filter((h) => !keep.includes(h)).map((h) => `grids.parquet:fwd_${h}`),
    ...(b.methods.some((x) => x.output.horizons.length > 1) ? ['scores.parquet:other-horizons'] : []),
  ];
  const storage: BundleStorage = {
    scores: 'float32-rounded',
    mantissaBits: bits,
    rounded: ['scores', 'channels', 'explanation.relevance'],
    horizons: 'evaluated',
    dropped: [...new Set([...(m.storage?.dropped ?? []), ...dropped])],
    originalBytes: m.storage?.originalBytes ?? b.bytes,
  };
  return writeBundle({
    name: m.name,
    producer: m.producer,
    created: m.created,
    panel: gridsPanel(b, keep),
    dataset: m.dataset.spec,
    backend: { name: m.backend, reason: '' },
    methods: b.methods.map((x) => ({ label: x.label, output: compactMethod(x.output, bits) })),
    metrics: b.metrics,
    runKey: m.runKey,
    datasetInfo: m.dataset,
    gridsFrom: m.grids.from,
    notes: m.notes,
    shard: m.shard,
    storage,
  });
}
