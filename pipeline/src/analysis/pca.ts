/**
 * Principal component analysis of many vectors at once (e.g. every run's
 * parameter snapshots), reduced to two components. ml-pca's SVD method
 * decomposes the n×d data matrix itself (transposed when d > n), so it never
 * builds the d×d covariance of a model's parameters.
 */
import { PCA } from 'ml-pca';
import { dot } from './vector.ts';

export interface PlaneProjection {
  /** Each input vector's coordinates on the first two components. */
  points: Array<[number, number]>;
  /** Fraction of the total variance along each component. */
  explainedVariance: [number, number];
  /** The two unit directions (length d); zero when the data span less than two dimensions. */
  components: [Float64Array, Float64Array];
  mean: Float64Array;
}

/** Flips a direction so that its largest entry is positive: the same data always give the same picture. */
function canonicalSign(v: Float64Array): Float64Array {
  let largest = 0;
  for (const x of v) if (Math.abs(x) > Math.abs(largest)) largest = x;
  if (largest < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i]!;
  return v;
}

/** One PCA fitted over all `rows` together; every row projected onto its first two components. */
export function pca2(rows: ReadonlyArray<ArrayLike<number>>): PlaneProjection {
  if (rows.length < 2) throw new Error(`PCA needs at least 2 vectors, got ${rows.length}`);
  const d = rows[0]!.length;
  if (d < 1 || rows.some((r) => r.length !== d))
    throw new Error(`PCA needs vectors of one length ≥ 1, got lengths ${[...new Set(rows.map((r) => r.length))].join(', ')}`);
  const pca = new PCA(
    rows.map((r) => Array.from(r)),
    { method: 'SVD', center: true },
  );
  const vectors = pca.getEigenvectors();
  const variances = pca.getEigenvalues();
  const total = variances.reduce((s, x) => s + x, 0);
  const mean = Float64Array.from(pca.toJSON().means);
  const component = (k: number): Float64Array => {
    // Numerically zero variance: no direction to speak of.
    if (k >= vectors.columns || !(variances[k]! > total * 1e-12)) return new Float64Array(d);
    return canonicalSign(Float64Array.from(vectors.getColumn(k)));
  };
  const components: [Float64Array, Float64Array] = [component(0), component(1)];
  const ratio = (k: number) => (total > 0 && k < variances.length ? variances[k]! / total : 0);
  const centered = new Float64Array(d);
  const points = rows.map((r): [number, number] => {
    for (let i = 0; i < d; i++) centered[i] = r[i]! - mean[i]!;
    return [dot(centered, components[0]), dot(centered, components[1])];
  });
  return { points, explainedVariance: [ratio(0), ratio(1)], components, mean };
}
