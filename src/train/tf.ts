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
