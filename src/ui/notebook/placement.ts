/**
 * Where an author's note goes in the notebook: a note whose first line is `@after <view>` is shown right after that
 * view's chart card (the ChartCard testId: cum, drawdown, ic, icHeatmap, quantiles, monotonicity, turnover, ...);
 * any other note, or one whose view the page does not show, goes above the views.
 */
export interface PlacedNote {
  /** the Markdown without the directive line */
  text: string;
  /** the view it follows; null: above the views */
  after: string | null;
}

const AFTER_RE = /^\s*@after\s+([A-Za-z][A-Za-z0-9_-]{0,60})\s*(?:\n|$)/;

export function placeNote(note: string): PlacedNote {
  const m = AFTER_RE.exec(note);
  return m ? { text: note.slice(m[0].length), after: m[1] } : { text: note, after: null };
}
