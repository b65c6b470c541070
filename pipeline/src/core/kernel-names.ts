/**
 * Kernels the project defines beyond tfjs's own: the contract between the
 * code that calls them (nn/, train/) and the backends that register them
 * (runtime/native-kernels.ts). A caller looks a name up on the active backend
 * and, where it is absent, computes the same thing from tfjs's own kernels.
 */

/** One Adam update over every parameter of a model (train/adam.ts). */
export const FUSED_ADAM = 'FusedAdam';
/** Mean softmax cross-entropy of logits [B, C] against int32 labels [B]; outputs the loss and the probabilities (nn/fused.ts). */
export const SPARSE_SOFTMAX_CROSS_ENTROPY = 'SparseSoftmaxCrossEntropy';
/** Its gradient with respect to the logits, from the saved probabilities. */
export const SPARSE_SOFTMAX_CROSS_ENTROPY_GRAD = 'SparseSoftmaxCrossEntropyGrad';
/** dy where y > 0, else 0: a ReLU's gradient from its output (nn/fused.ts). */
export const RELU_GRAD = 'ReluGradFromOutput';
