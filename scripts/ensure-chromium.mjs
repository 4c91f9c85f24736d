// Finds a Chromium for the browser tests, installing Debian's package when we can (root + apt-get),
// or fails with one clear line saying what to install. Prints the path on stdout.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  try {
    // Playwright's own browser, where it could be downloaded.
    const out = execSync('node -e "console.log(require(\'playwright-core\').chromium.executablePath())"', {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (out && existsSync(out)) return out;
  } catch {
    /* not installed */
  }
  return null;
}

export function ensureChromium() {
  let path = findChromium();
  if (path) return path;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let hasApt = false;
  try {
    execSync('command -v apt-get', { stdio: 'ignore' });
    hasApt = true;
  } catch {
    /* no apt */
  }
  if (isRoot && hasApt) {
    console.error('[factor-lab] installing Debian chromium for the browser tests (apt-get install -y chromium)...');
    try {
      execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', {
        stdio: ['ignore', 'ignore', 'inherit'],
        shell: '/bin/bash',
      });
    } catch {
      /* reported below */
    }
    path = findChromium();
    if (path) return path;
  }
  try {
    execSync('npx playwright install chromium', { stdio: 'ignore', timeout: 180_000 });
    path = findChromium();
    if (path) return path;
  } catch {
    /* offline */
  }
  console.error(
    'Chromium not found: install it (Debian: `sudo apt-get install -y chromium`, or `npx playwright install chromium`) or set CHROMIUM_PATH.',
  );
  process.exit(2);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(ensureChromium());
}
