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

/**
 * The gradient of Sum as tfjs-core's dy * ones(x.shape), but with the ones made by the backend (Fill: a native
 * TypedArray.fill in the wasm heap) instead of an x-sized array filled in JS and uploaded on every backward pass
 * (about 8 ms of a DMFM step on wasm, where the factor attention sums [16, 400, 5, 44] tensors). Same numbers.
 * (tf.broadcastTo is no alternative: wasm Tile took ~57 ms for [16, 400, 5, 44].)
 */
tf.registerGradient({
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as tf.Tensor[];
    const shape = x.shape.slice();
    for (const ax of tf.util.parseAxisParam((attrs as unknown as { axis: number | number[] }).axis, x.shape)) shape[ax] = 1;
    return { x: () => tf.mul((dy as tf.Tensor).reshape(shape), tf.fill(x.shape, 1, 'float32')) };
  },
});
