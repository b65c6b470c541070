/**
 * The shape of a convolutional classifier, without TensorFlow.js: a list of
 * blocks, each a few 3×3 'same' convolutions with ReLU followed by 2×2 max
 * pooling, then optional hidden dense layers, then a dense layer to the
 * class logits. The layer table the report prints and parameter counts.
 */
import { z } from 'zod';

export interface CnnSpec {
  /** Input height, width, channels (NHWC). */
  input: [number, number, number];
  /** Output channels of each convolution, grouped into blocks that end in a 2×2 max pool. */
  blocks: number[][];
  /** Widths of hidden dense layers after flattening. */
  dense: number[];
  classes: number;
}

export interface CnnLayerRow {
  index: number;
  kind: 'conv 3×3' | 'max pool 2×2' | 'flatten' | 'dense';
  /** Output shape without the batch dimension. */
  output: number[];
  activation: 'relu' | 'linear' | '';
  parameters: number;
}

export const KERNEL = 3;

/** One row per layer (pooling and flattening included, with 0 parameters). */
export function cnnLayerTable(spec: CnnSpec): CnnLayerRow[] {
  const rows: CnnLayerRow[] = [];
  let [h, w, c] = spec.input;
  for (const block of spec.blocks) {
    for (const filters of block) {
      rows.push({ index: rows.length + 1, kind: 'conv 3×3', output: [h, w, filters], activation: 'relu', parameters: KERNEL * KERNEL * c * filters + filters });
      c = filters;
    }
    // 'valid' pooling floors odd sizes, as tf.maxPool does.
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
    rows.push({ index: rows.length + 1, kind: 'max pool 2×2', output: [h, w, c], activation: '', parameters: 0 });
  }
  let features = h * w * c;
  rows.push({ index: rows.length + 1, kind: 'flatten', output: [features], activation: '', parameters: 0 });
  for (const [i, width] of [...spec.dense, spec.classes].entries()) {
    const last = i === spec.dense.length;
    rows.push({ index: rows.length + 1, kind: 'dense', output: [width], activation: last ? 'linear' : 'relu', parameters: features * width + width });
    features = width;
  }
  return rows;
}

export function cnnParameterCount(spec: CnnSpec): number {
  return cnnLayerTable(spec).reduce((s, r) => s + r.parameters, 0);
}

export function cnnDepth(spec: CnnSpec): number {
  return spec.blocks.flat().length + spec.dense.length + 1;
}

/** A row of cnnLayerTable as artifacts store it. */
export const cnnLayerSchema = z.strictObject({
  index: z.int(),
  kind: z.string(),
  output: z.array(z.int()),
  activation: z.string(),
  parameters: z.int(),
});
