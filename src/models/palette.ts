/**
 * One colour per model, the same in every chart and table (Okabe-Ito based, colour-blind safe first; src/ui/colors.ts
 * reads it). Model-layer data without tfjs, so the UI can import it on first paint. A model without an entry gets a
 * stable spare colour, so adding a model needs no line here (add one to pick its colour).
 */
export const MODEL_COLORS: Record<string, string> = {
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
  ipca: '#3969AC',
  ca: '#E73F74',
  gru: '#80BA5A',
  alstm: '#F2B701',
  gat: '#4B4B8F',
  transformer: '#A5AA99',
};
