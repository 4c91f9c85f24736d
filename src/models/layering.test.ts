/**
 * The model contract keeps models out of the generic layers: no registered model id appears as a string literal in
 * src/train, src/state or the generic UI (src/ui), tests and the dev mock excluded, comments ignored. A model's own
 * code, views, presets and tests live in its folder under src/models/ and reach the rest through the registry, the
 * channels, the view registry (src/ui/model-views.ts) and the preset registry (src/state/presets.ts).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { models } from './registry';

const ROOTS = ['src/train', 'src/state', 'src/ui'];
const SKIP = [/\.test\.tsx?$/, /[\\/]state[\\/]dev[\\/]/];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) && !SKIP.some((r) => r.test(p)) ? [p] : [];
  });
}

/** the source without comments (block and line comments; string contents kept) */
export function stripComments(src: string): string {
  let out = '',
    i = 0,
    q: string | null = null;
  while (i < src.length) {
    const c = src[i],
      n = src[i + 1];
    if (q) {
      out += c;
      if (c === '\\') {
        out += n ?? '';
        i += 2;
        continue;
      }
      if (c === q) q = null;
      i++;
      continue;
    }
    if (c === '/' && n === '*') {
      const e = src.indexOf('*/', i + 2);
      i = e < 0 ? src.length : e + 2;
      continue;
    }
    if (c === '/' && n === '/') {
      const e = src.indexOf('\n', i);
      i = e < 0 ? src.length : e;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') q = c;
    out += c;
    i++;
  }
  return out;
}

describe('layering: no model id in generic code', () => {
  it('strips comments but keeps strings', () => {
    expect(stripComments("a('x') // 'dmfm'\n/* 'mlp' */ b(\"//y\")")).toBe('a(\'x\') \n b("//y")');
  });

  it('src/train, src/state and src/ui name no registered model', () => {
    const ids = models.map((m) => m.id);
    const hits: string[] = [];
    const all = ROOTS.flatMap((r) => files(r));
    expect(all.length).toBeGreaterThan(30);
    for (const f of all) {
      const src = stripComments(readFileSync(f, 'utf8'));
      for (const id of ids) {
        const re = new RegExp(`(['"\`])${id}\\1`);
        if (re.test(src)) hits.push(`${f}: '${id}'`);
      }
    }
    expect(hits).toEqual([]);
  });
});
