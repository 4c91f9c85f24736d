/**
 * Test helper (imported by the gradient-check tests only): directional derivative check in float32. For random
 * directions v over all parameters, (L(theta + eps v) - L(theta - eps v)) / (2 eps) vs <grad L(theta), v>.
 */
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../core/rng';

/** relative errors of `dirs` directional derivatives (central differences, step eps) vs tf.variableGrads */
export function directionalCheck(vars: tf.Variable[], lossFn: () => tf.Scalar, seed: number, dirs = 3, eps = 1e-3): number[] {
  const r = makeRng(seed);
  const errs: number[] = [];
  for (let k = 0; k < dirs; k++) {
    const v = vars.map((w) =>
      tf.tensor(
        Array.from({ length: w.size }, () => r.normal()),
        w.shape,
      ),
    );
    const { value, grads } = tf.variableGrads(lossFn, vars);
    const analytic = vars.reduce((acc, w, i) => acc + tf.tidy(() => grads[w.name].mul(v[i]).sum().dataSync()[0]), 0);
    tf.dispose([value, ...Object.values(grads)]);
    const orig = vars.map((w) => w.clone());
    const at = (sgn: number) => {
      vars.forEach((w, i) => w.assign(orig[i].add(v[i].mul(sgn * eps))));
      return tf.tidy(() => lossFn().dataSync()[0]);
    };
    const numeric = (at(1) - at(-1)) / (2 * eps);
    vars.forEach((w, i) => w.assign(orig[i]));
    tf.dispose([...orig, ...v]);
    errs.push(Math.abs(numeric - analytic) / Math.max(Math.abs(analytic), 1e-2));
  }
  return errs;
}
