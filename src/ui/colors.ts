import { MODEL_COLORS } from '../models/palette';

/**
 * One colour per method across every chart and table (Okabe-Ito based, colour-blind safe first). The models' own
 * colours live with the models (src/models/palette.ts); unknown ids get a stable colour from the spare palette. An
 * alternative score of a model ('<model>:<channel>', e.g. DMFM's attention estimate) takes its model's colour and is
 * drawn dotted (methodLineType).
 */
export const METHOD_COLORS: Record<string, string> = { ...MODEL_COLORS, benchmark: '#4B4B4B' };

const SPARE = ['#3969AC', '#F2B701', '#E73F74', '#80BA5A', '#E68310', '#008695', '#CF1C90', '#A5AA99'];

/** The colour of a method id (model id, an alternative '<model>:<channel>', or 'benchmark'). */
export function methodColor(id: string): string {
  const base = id.includes(':') ? id.slice(0, id.indexOf(':')) : id;
  const c = METHOD_COLORS[base];
  if (c) return c;
  let h = 0;
  for (let i = 0; i < base.length; i++) h = (h * 31 + base.charCodeAt(i)) >>> 0;
  return SPARE[h % SPARE.length];
}

/**
 * Line style of a method's series: solid for a model, dotted for a model's alternative score ('<model>:<channel>'),
 * dashed for a second entry of the same model on one chart (variant 1, e.g. factorvae-prior next to FactorVAE) and
 * dash-dot for a third or later (MethodSeries.variant).
 */
export const methodLineType = (id: string, variant = 0): 'solid' | 'dotted' | 'dashed' | number[] =>
  id.includes(':') ? 'dotted' : variant <= 0 ? 'solid' : variant === 1 ? 'dashed' : [10, 4, 2, 4];

/**
 * One colour per universe (the edges-per-stock chart; any chart that splits by universe should reuse these).
 * 'all' keeps the edges blue; the dollar-volume tiers are named top{k} / next{k} / rest by the data layer.
 */
export const UNIVERSE_COLORS: Record<string, string> = { all: '#2563eb', top: '#D55E00', next: '#009E73', rest: '#CC79A7' };

/** The colour of a universe name: 'all', 'rest', top{k} / next{k} by prefix, else a stable spare colour. */
export function universeColor(name: string): string {
  const exact = UNIVERSE_COLORS[name];
  if (exact) return exact;
  const tier = /^(top|next)\d*$/.exec(name);
  if (tier) return UNIVERSE_COLORS[tier[1]];
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return SPARE[h % SPARE.length];
}

/** Neutral colours used by charts that show no method. */
export const UI_COLORS = { ink: '#1f2933', muted: '#6b7785', grid: '#e4e7eb', accent: '#2563eb', validIc: '#6b7785', edges: '#2563eb' };
