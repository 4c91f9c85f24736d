/**
 * The one escape helper for chart text. ECharts inserts the string a tooltip `formatter` returns as HTML (legend
 * tooltips too), so every string from data (tickers, factor and column names, industries, universes, method labels,
 * dataset and benchmark names, notes) that a formatter returns must pass through `escapeHtml`. Text ECharts draws
 * itself (axis labels, legend items, series labels, its default tooltip) goes to the canvas or is encoded by ECharts
 * and needs nothing. `src/ui/charts/formatters-escape.test.ts` calls every option builder's tooltip formatters with
 * markup names and fails when one returns unescaped data.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `s` as HTML text: & < > " ' become entities (anything that is not a string is stringified first). */
export const escapeHtml = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]);
