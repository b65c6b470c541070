/**
 * Input sensitivity of a classifier: the Frobenius norm of the Jacobian of
 * its class probabilities softmax(f(x)) with respect to the input x,
 * averaged over samples. Only first derivatives are taken, so tfjs's own
 * softmax gradient (correct at first order) is used.
 */
import * as tf from '@tensorflow/tfjs';

export type Logits = (x: tf.Tensor2D) => tf.Tensor2D;

/**
 * Per-sample Jacobians ∂p/∂x, shape [batch, classes, inputs]. One reverse
 * pass per class c: the gradient of Σ_batch p_c with respect to x has, in
 * row s, the row ∂p_c(x_s)/∂x_s, because sample s's output depends on x_s only.
 */
export function probabilityJacobians(model: Logits, x: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const classes = model(x).shape[1];
    const rows: tf.Tensor2D[] = [];
    for (let c = 0; c < classes; c++) {
      const classSum = (input: tf.Tensor): tf.Scalar => tf.sum(tf.slice(tf.softmax(model(input as tf.Tensor2D)), [0, c], [-1, 1]));
      rows.push(tf.grad(classSum)(x) as tf.Tensor2D);
    }
    return tf.stack(rows, 1) as tf.Tensor3D;
  });
}

/** Mean over samples of ‖∂softmax(model(x_s))/∂x_s‖_F. */
export function sensitivity(model: Logits, x: tf.Tensor2D): number {
  if (x.shape[0] === 0) throw new Error('sensitivity needs at least one sample');
  const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(probabilityJacobians(model, x)), [1, 2])));
  const values = norms.dataSync();
  norms.dispose();
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
