/**
 * The network LRP walks for a model: each LRP-explainable model builds it from its own weights in its spec's
 * `lrpNetwork` (src/models/lrp-net.ts has the shared layer builders). Models without one return null: explain them with
 * gradient x input (src/explain/grad-input.ts).
 */
import type { LrpNetwork, ModelSpec, NamedWeight } from '../models/types';
import type { CrossSection } from '../models/lrp-net';

export type { CrossSection } from '../models/lrp-net';
export type ExplainableNet = LrpNetwork;

/** The Dense network of `spec` with `weights`, explaining horizon head `head` on cross-section `cs`; null when LRP cannot pass the model. */
export function lrpNetwork(spec: ModelSpec, weights: NamedWeight[], cs: CrossSection, head: number): ExplainableNet | null {
  return spec.lrpNetwork?.(weights, cs, head) ?? null;
}
