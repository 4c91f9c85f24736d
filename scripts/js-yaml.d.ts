// js-yaml (installed with ESLint's config loader) ships no types; the deploy templates' test uses `load` only.
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
