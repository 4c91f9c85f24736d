// js-yaml (a devDependency for the deploy templates' test) ships no types; the test uses `load` only.
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
