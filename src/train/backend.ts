/**
 * Backend selection. Order of preference (docs/ARCHITECTURE.md, toolchain facts):
 *  1. webgpu, only on a real GPU adapter: requestAdapter() must succeed, not be `isFallbackAdapter`, and its
 *     info must not mention SwiftShader (the software adapter is ~14x slower than wasm);
 *  2. otherwise the fastest of wasm / webgl on a short probe (a few matmuls of the model's size);
 *  3. cpu only when nothing else initialises.
 * The choice (and the probe timings) is recorded with the run. A forced backend (RunConfig.backend or
 * `?backend=webgl`) skips all of this.
 */
import { LabError } from '../core/errors';
import { isNode, tf } from './tf';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKENDS: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface ProbeResult {
  backend: BackendName;
  ms: number | null;
  error?: string;
}
export interface BackendChoice {
  backend: BackendName;
  forced: boolean;
  /** why this one, in words (shown with the run) */
  reason: string;
  probes: ProbeResult[];
  /** GPU adapter description when webgpu was considered */
  adapter?: string;
}
/** Size of the probe: rows = dates per step x stocks, inner = factors, hidden = layer width. */
export interface ProbeShape {
  rows: number;
  inner: number;
  hidden: number;
}

/** How the wasm backend runs (threads, isolation), in words; registered by backend-browser.ts, null in Node. */
let wasmModeNote: (() => string) | null = null;
export function setWasmModeNote(f: (() => string) | null): void {
  wasmModeNote = f;
}
const withWasmMode = (c: BackendChoice): BackendChoice =>
  c.backend === 'wasm' && wasmModeNote ? { ...c, reason: `${c.reason}; wasm: ${wasmModeNote()}` } : c;

/** backends tfjs has a factory for in this runtime */
export const registeredBackends = (): BackendName[] => BACKENDS.filter((b) => tf.findBackendFactory(b) != null);

/** Switch tfjs to `name` (no-op when current); LabError when it cannot initialise. */
export async function useBackend(name: BackendName): Promise<void> {
  if (tf.getBackend() === name) return;
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    throw new LabError(
      `The tfjs backend "${name}" failed to initialise: ${(e as Error).message}`,
      'Choose another backend (auto, wasm or cpu).',
    );
  }
  if (!ok)
    throw new LabError(
      `The tfjs backend "${name}" is not available in this ${isNode() ? 'Node.js process' : 'browser'}.`,
      `Registered: ${registeredBackends().join(', ')}.`,
    );
  await tf.ready();
}

/** Is there a real (hardware) WebGPU adapter? Rejects fallback/SwiftShader adapters. */
export async function checkWebGpu(): Promise<{ ok: boolean; info: string }> {
  const gpu = (globalThis as any).navigator?.gpu;
  if (!gpu) return { ok: false, info: 'navigator.gpu is undefined' };
  let adapter: any;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return { ok: false, info: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (!adapter) return { ok: false, info: 'requestAdapter returned null' };
  let info: any = adapter.info;
  if (!info && typeof adapter.requestAdapterInfo === 'function') {
    try {
      info = await adapter.requestAdapterInfo();
    } catch {
      info = undefined;
    }
  }
  const desc = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') : '';
  if (adapter.isFallbackAdapter || info?.isFallbackAdapter) return { ok: false, info: `fallback adapter (${desc || 'software'})` };
  if (/swiftshader/i.test(desc)) return { ok: false, info: `software adapter (${desc})` };
  return { ok: true, info: desc || 'webgpu adapter' };
}

/**
 * Time `name` on a few matmuls of the model's size: [rows, inner] x [inner, hidden] -> leakyRelu -> x [hidden, hidden],
 * one warm-up (shader compilation / wasm instantiation), then the median of 3 timed repetitions, data read back.
 */
export async function probeBackend(name: BackendName, shape: ProbeShape): Promise<ProbeResult> {
  try {
    await useBackend(name);
    const a = tf.randomUniform([shape.rows, shape.inner], -1, 1, 'float32', 1);
    const w1 = tf.randomUniform([shape.inner, shape.hidden], -1, 1, 'float32', 2);
    const w2 = tf.randomUniform([shape.hidden, shape.hidden], -1, 1, 'float32', 3);
    const once = async () => {
      const out = tf.tidy(() => tf.matMul(tf.leakyRelu(tf.matMul(a, w1), 0.1), w2).sum());
      await out.data();
      out.dispose();
    };
    await once();
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await once();
      times.push(performance.now() - t0);
    }
    tf.dispose([a, w1, w2]);
    times.sort((x, y) => x - y);
    return { backend: name, ms: times[1] };
  } catch (e) {
    return { backend: name, ms: null, error: (e as Error).message };
  }
}

/** Pick (and switch to) the backend for a run; see the file comment for the policy. */
export async function selectBackend(
  opts: { forced?: BackendName | 'auto'; shape?: ProbeShape; candidates?: BackendName[] } = {},
): Promise<BackendChoice> {
  const shape = opts.shape ?? { rows: 16 * 400, inner: 35, hidden: 64 };
  const avail = (opts.candidates ?? registeredBackends()).filter((b) => tf.findBackendFactory(b) != null);
  if (opts.forced && opts.forced !== 'auto') {
    await useBackend(opts.forced);
    return withWasmMode({ backend: opts.forced, forced: true, reason: `forced by the run (${opts.forced})`, probes: [] });
  }
  let adapter: string | undefined;
  const probes: ProbeResult[] = [];
  if (avail.includes('webgpu')) {
    const g = await checkWebGpu();
    adapter = g.info;
    if (g.ok) {
      const p = await probeBackend('webgpu', shape);
      probes.push(p);
      if (p.ms !== null) return { backend: 'webgpu', forced: false, reason: `real GPU adapter: ${g.info}`, probes, adapter };
    }
  }
  for (const b of ['wasm', 'webgl'] as BackendName[]) if (avail.includes(b)) probes.push(await probeBackend(b, shape));
  const ok = probes.filter((p) => p.ms !== null && p.backend !== 'webgpu').sort((x, y) => (x.ms as number) - (y.ms as number));
  if (ok.length) {
    await useBackend(ok[0].backend);
    const others = ok
      .slice(1)
      .map((p) => `${p.backend} ${p.ms!.toFixed(1)} ms`)
      .join(', ');
    return withWasmMode({
      backend: ok[0].backend,
      forced: false,
      reason: `fastest on the probe: ${ok[0].backend} ${ok[0].ms!.toFixed(1)} ms${others ? ` (vs ${others})` : ''}${adapter ? `; webgpu skipped: ${adapter}` : ''}`,
      probes,
      adapter,
    });
  }
  await useBackend('cpu');
  return {
    backend: 'cpu',
    forced: false,
    reason: `no faster backend initialised (${probes.map((p) => `${p.backend}: ${p.error}`).join('; ') || 'none registered'})`,
    probes,
    adapter,
  };
}

/** `?backend=webgl` in a URL query string -> the forced backend, or undefined */
export function backendFromQuery(search: string): BackendName | undefined {
  const v = new URLSearchParams(search).get('backend');
  return v && (BACKENDS as string[]).includes(v) ? (v as BackendName) : undefined;
}
