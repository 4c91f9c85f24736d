/**
 * One colour per method across every chart and table (Okabe-Ito based, colour-blind safe first).
 * Keyed by model id; unknown ids get a stable colour from the spare palette.
 */
export const METHOD_COLORS: Record<string, string> = {
  linear: '#0072B2',
  ew: '#56B4E9',
  mlp: '#E69F00',
  mgat: '#009E73',
  dmfm: '#D55E00',
  e2eai: '#CC79A7',
  dfm: '#7F3C8D',
  ridge: '#8C6D31',
  rf: '#CF1C90',
  svr: '#008695',
  dfm1: '#8C6D31',
  dfm2: '#7F3C8D',
  factorvae: '#11A579',
  benchmark: '#4B4B4B',
};

const SPARE = ['#3969AC', '#F2B701', '#E73F74', '#80BA5A', '#E68310', '#008695', '#CF1C90', '#A5AA99'];

/** The colour of a method id (model id, baseline or 'benchmark'). */
export function methodColor(id: string): string {
  const c = METHOD_COLORS[id];
  if (c) return c;
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return SPARE[h % SPARE.length];
}

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
