/**
 * The shape of a fully connected network, without TensorFlow.js: layer
 * sizes, the layer table the report prints, parameter counts, and the shapes
 * of its parameter list [W_1, b_1, …, W_L, b_L]. Stage specs (config checks)
 * and the site import this.
 */
import { z } from 'zod';
import { checkParameterCount, type Limit, limits } from '../core/schemas.ts';

export type Activation = 'relu' | 'tanh';

export interface MlpSpec {
  inputs: number;
  hidden: number[];
  outputs: number;
  activation: Activation;
}

export interface LayerRow {
  index: number;
  kind: 'dense';
  inputs: number;
  outputs: number;
  activation: Activation | 'linear';
  weights: number;
  biases: number;
  parameters: number;
}

export function layerSizes(spec: MlpSpec): number[] {
  return [spec.inputs, ...spec.hidden, spec.outputs];
}

/** One row per dense layer, as the report's model tables show it. */
export function layerTable(spec: MlpSpec): LayerRow[] {
  const sizes = layerSizes(spec);
  return sizes.slice(1).map((out, i) => {
    const inp = sizes[i]!;
    const last = i === sizes.length - 2;
    return {
      index: i + 1,
      kind: 'dense',
      inputs: inp,
      outputs: out,
      activation: last ? 'linear' : spec.activation,
      weights: inp * out,
      biases: out,
      parameters: inp * out + out,
    };
  });
}

export function parameterCount(spec: MlpSpec): number {
  return layerTable(spec).reduce((sum, row) => sum + row.parameters, 0);
}

/** Flags, at `path`, an MLP with more parameters than `limit` (core/schemas.ts): one no machine here could train. */
export function checkMlpSize(spec: MlpSpec, path: Array<string | number>, ctx: z.RefinementCtx, limit: Limit = limits.parameters): void {
  checkParameterCount(parameterCount(spec), path, ctx, limit);
}

/** Shapes of the parameters in order [W1, b1, W2, b2, …]. */
export function parameterShapes(spec: MlpSpec): number[][] {
  const sizes = layerSizes(spec);
  return sizes.slice(1).flatMap((out, i) => [[sizes[i]!, out], [out]]);
}

/** A row of layerTable as artifacts store it. */
export const denseLayerSchema = z.strictObject({
  index: z.int(),
  kind: z.literal('dense'),
  inputs: z.int(),
  outputs: z.int(),
  activation: z.string(),
  weights: z.int(),
  biases: z.int(),
  parameters: z.int(),
});
