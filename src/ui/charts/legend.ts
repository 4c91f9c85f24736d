/** The charts' legend: one style and one estimate of its rows, shared by every chart module. */

/**
 * Width of a legend item's line icon: wide enough that a dashed or dash-dot line (a model's second entry, e.g.
 * factorvae-prior beside FactorVAE: colors.ts methodLineType) shows its dashes on both sides of the symbol (at 18 px
 * the two 5 px stubs looked solid, so the two entries' icons were the same).
 */
export const LEGEND_ITEM_WIDTH = 32;
/** the charts' legend: centred above the plot, line icons LEGEND_ITEM_WIDTH wide */
export const legendAt = (top: number) => ({
  top,
  left: 'center',
  itemWidth: LEGEND_ITEM_WIDTH,
  itemHeight: 10,
  textStyle: { fontSize: 12 },
});
/**
 * Grid top that clears a wrapping legend: ECharts wraps legend items onto more rows when they do not fit, and does
 * not move the plot down. Item width ~ symbol + gap + 6.6 px per character at 12 px; `width` = the chart's width
 * at 1280 x 800 (half-width cards ~370 px, full-width ~800 px).
 */
export function legendGridTop(labels: string[], width: number): number {
  let rows = 1,
    x = 0;
  for (const l of labels) {
    const w = LEGEND_ITEM_WIDTH + 5 + l.length * 6.6 + 10;
    if (x > 0 && x + w > width) {
      rows++;
      x = 0;
    }
    x += w;
  }
  return 14 + rows * 20;
}
