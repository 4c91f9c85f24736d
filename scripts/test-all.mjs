// The one test command: typecheck, lint, unit tests (vitest), browser tests (Playwright on the built
// site served from a sub-path). Ends with a plain `N passed, N failed` line that CI records.
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync, rmSync, mkdirSync } from 'node:fs';
import { ensureChromium } from './ensure-chromium.mjs';

let passed = 0;
let failed = 0;
const failures = [];
function run(label, cmd, args, env = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}
function check(label, ok) {
  if (ok) passed++;
  else {
    failed++;
    failures.push(label);
  }
}

rmSync('test-results', { recursive: true, force: true });
mkdirSync('test-results', { recursive: true });

check('typecheck', run('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']));
check('lint', run('lint', 'npx', ['eslint', 'src', 'e2e', 'scripts']));
check('format', run('format (prettier --check; npm run format fixes it)', 'npx', ['prettier', '--check', '.']));

run('unit', 'npx', ['vitest', 'run']);
if (existsSync('test-results/unit.json')) {
  const j = JSON.parse(readFileSync('test-results/unit.json', 'utf8'));
  passed += j.numPassedTests;
  failed += j.numFailedTests;
  for (const f of j.testResults ?? []) for (const a of f.assertionResults ?? []) if (a.status === 'failed') failures.push(a.fullName);
  if (j.numFailedTestSuites > 0 && j.numFailedTests === 0) {
    failed += j.numFailedTestSuites;
    failures.push('unit suites failed to load');
  }
} else {
  failed++;
  failures.push('vitest produced no report');
}

const chromium = ensureChromium();
const built = run('build', 'npx', ['vite', 'build']);
check('vite build', built);
if (built) {
  run('browser', 'npx', ['playwright', 'test'], { CHROMIUM_PATH: chromium, CI: '1' });
  if (existsSync('test-results/e2e.json')) {
    const j = JSON.parse(readFileSync('test-results/e2e.json', 'utf8'));
    passed += j.stats.expected;
    failed += j.stats.unexpected + (j.stats.flaky ?? 0);
    const walk = (s) => {
      for (const sp of s.specs ?? []) for (const t of sp.tests ?? []) if (t.status === 'unexpected') failures.push(sp.title);
      for (const c of s.suites ?? []) walk(c);
    };
    for (const s of j.suites ?? []) walk(s);
    if ((j.errors ?? []).length) {
      failed += j.errors.length;
      failures.push(
        'playwright errors: ' +
          j.errors
            .map((e) => e.message)
            .join('; ')
            .slice(0, 300),
      );
    }
  } else {
    failed++;
    failures.push('playwright produced no report');
  }
}

if (failures.length) console.log('\nFailed:\n  ' + failures.join('\n  '));
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
