/**
 * The training loop's Adam: tfjs' AdamOptimizer, with its update of each variable done by one wasm SIMD call on
 * tfjs-wasm (models/kernels/adam-kernels.ts) where the lab's kernels run. tfjs' own update is 14 elementwise kernels
 * and 6 scalar uploads per variable (for FactorVAE's ~30 variables: ~500 of a step's ~1,000 kernels, each with its
 * engine bookkeeping); the fused call computes the same float32 operations in the same order, so the weights are the
 * same to the bit (train/adam.test.ts runs both side by side). Its state (moments, beta powers, iterations) lives where
 * tfjs keeps it, so dispose, getWeights and setWeights are tfjs'. On every other backend, with the kernels off, or for a
 * variable that is not float32, tfjs' update runs.
 */
import * as tf from '@tensorflow/tfjs';
import { adamKernelsFor } from '../models/kernels/adam-kernels';
import { heapKernels, kernelsReady, offset } from '../models/kernels/tfjs-wasm';

/** AdamOptimizer's private state (tfjs-core 4.x adam_optimizer.js; checked at use, the tfjs path runs if it changed) */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
}

let fusedOn = true;
let fusedUpdates = 0;
/** how many variable updates the fused kernel has made (tests check that it ran) */
export const fusedAdamUpdates = (): number => fusedUpdates;
/** switch the fused update off (A/B, tests) or back on */
export function setFusedAdam(on: boolean): void {
  fusedOn = on;
}

class LabAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const st = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const grads = names.map((name, i) => (Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name]));
    const vars = names.map((n) => tf.engine().registeredVariables[n]);
    const fusable =
      fusedOn &&
      kernelsReady() &&
      st.accBeta1 instanceof tf.Variable &&
      Array.isArray(st.accumulatedFirstMoment) &&
      Array.isArray(st.accumulatedSecondMoment) &&
      vars.every((v, i) => v && v.dtype === 'float32' && (!grads[i] || grads[i].dtype === 'float32'));
    const ak = fusable ? adamKernelsFor(heapKernels().k.memory) : null;
    if (!ak) return super.applyGradients(variableGradients);
    const { be } = heapKernels();
    // the beta powers as tfjs holds them (float32 scalars): k = 1 - beta^t in float32, as its sub(1, accBeta)
    const acc1 = st.accBeta1.dataSync()[0],
      acc2 = st.accBeta2.dataSync()[0];
    const k1 = Math.fround(1 - acc1),
      k2 = Math.fround(1 - acc2);
    const e = tf.engine();
    vars.forEach((value, i) => {
      const name = names[i];
      if (st.accumulatedFirstMoment[i] == null)
        st.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      if (st.accumulatedSecondMoment[i] == null)
        st.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const g = grads[i];
      if (g == null) return;
      const m = st.accumulatedFirstMoment[i]!.variable,
        v = st.accumulatedSecondMoment[i]!.variable;
      const ow = be.makeOutput(value.shape, 'float32'),
        om = be.makeOutput(value.shape, 'float32'),
        ov = be.makeOutput(value.shape, 'float32');
      ak.adam(
        offset(be, value),
        offset(be, g),
        offset(be, m),
        offset(be, v),
        offset(be, ow),
        offset(be, om),
        offset(be, ov),
        value.size,
        this.beta1,
        1 - this.beta1,
        this.beta2,
        1 - this.beta2,
        k1,
        k2,
        this.epsilon,
        -this.learningRate,
      );
      const [tw, tm, tv] = [ow, om, ov].map((o) => e.makeTensorFromTensorInfo(o));
      m.assign(tm);
      v.assign(tv);
      value.assign(tw);
      tf.dispose([tw, tm, tv]);
      fusedUpdates++;
    });
    // accBeta <- accBeta beta in float32 (tfjs: mul(accBeta, beta)); the product of two float32 is exact in float64
    const b1 = tf.scalar(Math.fround(acc1 * Math.fround(this.beta1))),
      b2 = tf.scalar(Math.fround(acc2 * Math.fround(this.beta2)));
    st.accBeta1.assign(b1);
    st.accBeta2.assign(b2);
    tf.dispose([b1, b2]);
    this.incrementIterations();
  }
}

/** Adam (learning rate, beta1, beta2, epsilon) for the training loop: tfjs' optimizer, fused on tfjs-wasm */
export function labAdam(lr: number, beta1: number, beta2: number, epsilon: number): tf.AdamOptimizer {
  return new LabAdam(lr, beta1, beta2, epsilon);
}
