/**
 * deploy/ templates: each parses (YAML / bash), runs commands that exist (npm scripts in package.json, the runner's and
 * merge's flags), and its shard numbering covers 1..n in step with n.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { load } from 'js-yaml';
import { parseShard } from './experiment';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
const read = (f: string) => readFileSync(`deploy/${f}`, 'utf8');
const FLAGS = new Set(['--config', '--out', '--backend', '--models', '--resume', '--shard']);
/** scripts/merge.ts's flags (--config: where the merge finds the config and its data again) */
const MERGE_FLAGS = new Set(['--out', '--config', '--keep']);

/** every `npm run <script> -- <args>` in a command: the script exists; the runner's flags are ones it reads */
function checkCommands(text: string): { experiment: string[]; merge: string[] } {
  const out = { experiment: [] as string[], merge: [] as string[] };
  for (const m of text.matchAll(/npm run ([\w:-]+) -- ([^\n"]+(?:\n\s+--[^\n"]+)*)/g)) {
    const script = m[1];
    expect(pkg.scripts, `npm run ${script}`).toHaveProperty(script);
    const args = m[2].replace(/\s+/g, ' ').trim();
    if (script === 'experiment') {
      for (const f of args.match(/--[a-z-]+/g) ?? []) expect(FLAGS.has(f), `experiment flag ${f}`).toBe(true);
      out.experiment.push(args);
    } else if (script === 'merge') {
      expect(args).toMatch(/--out \S+\.flrun\.zip/);
      for (const f of args.match(/--[a-z-]+/g) ?? []) expect(MERGE_FLAGS.has(f), `merge flag ${f}`).toBe(true);
      out.merge.push(args);
    }
  }
  expect(out.experiment.length, 'an experiment command').toBeGreaterThan(0);
  expect(out.merge.length, 'a merge command').toBeGreaterThan(0);
  // the merge re-evaluates on the data of the shards' config: one --config for the runner and the merge
  for (const m of out.merge) expect(m, 'merge --config').toMatch(/--config \S/);
  expect(new Set([...text.matchAll(/--config "?([^\s"]+)/g)].map((m) => m[1])).size, 'one config').toBe(1);
  return out;
}

describe('deploy/ templates', () => {
  it('Kubernetes: an Indexed Job whose pods run shard JOB_COMPLETION_INDEX + 1 of completions, then a merge Job', () => {
    const text = read('k8s-indexed-job.yaml');
    const docs = text.split(/^---$/m).map((d) => load(d) as any);
    expect(docs.map((d) => d.kind)).toEqual(['Job', 'Job']);
    const [shards, merge] = docs;
    expect(shards.spec.completionMode).toBe('Indexed');
    const n = shards.spec.completions;
    const args = shards.spec.template.spec.containers[0].args.join(' ');
    expect(args).toContain(`--shard $((JOB_COMPLETION_INDEX + 1))/${n}`);
    // the shell arithmetic gives 1..n for the indices 0..n-1, each a valid --shard
    for (let k = 0; k < n; k++) expect(parseShard(`${k + 1}/${n}`)).toEqual({ index: k, count: n });
    expect(merge.spec.template.spec.containers[0].args.join(' ')).toContain('npm run merge --');
    checkCommands(text);
  });

  it('Slurm: a bash array job 1..n with --shard TASK_ID/TASK_COUNT and a merge after all succeed', () => {
    const text = read('slurm-array.sh');
    expect(spawnSync('bash', ['-n', 'deploy/slurm-array.sh']).status).toBe(0);
    const arr = /#SBATCH --array=1-(\d+)/.exec(text);
    expect(arr).not.toBeNull();
    expect(text).toContain('--shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT"');
    expect(text).toContain('--dependency=afterok:');
    checkCommands(text);
  });

  it('GitHub Actions: a matrix 1..n whose jobs upload parts, then a merge job that needs them', () => {
    const text = read('github-actions-matrix.yml');
    const wf = load(text) as any;
    const shards = wf.jobs.shard.strategy.matrix.shard as number[];
    const run = (wf.jobs.shard.steps as { run?: string }[]).map((s) => s.run ?? '').join('\n');
    const n = Number(/--shard \$\{\{ matrix\.shard \}\}\/(\d+)/.exec(run)![1]);
    expect(shards).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(wf.jobs.merge.needs).toBe('shard');
    checkCommands(text);
  });

  it('the README names every template', () => {
    const md = read('README.md');
    for (const f of ['k8s-indexed-job.yaml', 'slurm-array.sh', 'github-actions-matrix.yml']) expect(md).toContain(f);
  });
});
