/**
 * The one place the training layer gets tfjs from. Importing it registers the cpu, webgl (browser) and wasm
 * backends; webgpu and the browser wasm file URLs are added by backend-browser.ts (browser only, `?url` imports).
 * In Node the wasm backend finds its .wasm files itself.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };

/** true when running under Node (tests, headless runner) */
export const isNode = (): boolean => typeof process !== 'undefined' && !!process.versions?.node;

// Node: no "install tfjs-node" banner and no debug warnings on the runner's stderr
if (isNode()) tf.enableProdMode();

/**
 * wasm Identity without a copy. tfjs clones every tensor a gradient saves for the backward pass (engine.clone ->
 * Identity: about 225 per DMFM step), and tfjs-backend-wasm 4.22's Identity copies the buffer (13 ms of a ~190 ms
 * DMFM step, scripts/profile-dmfm.ts). Tensors are immutable, so the clone can share the buffer with a reference
 * count, exactly as the wasm Reshape and the cpu backend's Identity do.
 */
function shareIdentity(): void {
  const cfg = tf.getKernel('Identity', 'wasm');
  if (!cfg || (cfg as { shared?: boolean }).shared) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    shared: true,
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return (cfg.kernelFunc as tf.KernelFunc)({ inputs, backend, attrs: {} });
      (backend as unknown as { incRef(id: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  } as tf.KernelConfig);
}
shareIdentity();
