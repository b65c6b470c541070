/**
 * The error surface: the loss on a 2-D plane through a point θ* of parameter
 * space spanned by two orthonormal directions u, v (e.g. the PCA directions
 * of a training trajectory), and points such as that trajectory projected
 * onto the same plane so they can be drawn on top of it.
 */
import { dot } from './vector.ts';

export interface Plane {
  center: ArrayLike<number>;
  u: ArrayLike<number>;
  v: ArrayLike<number>;
}

export interface Surface {
  /** Grid coordinates along u and v. */
  alpha: number[];
  beta: number[];
  /** loss[j][i] = L(θ* + alpha[i]·u + beta[j]·v). */
  loss: number[][];
}

function checkOrthonormal({ center, u, v }: Plane): void {
  if (u.length !== center.length || v.length !== center.length)
    throw new Error(`plane directions have ${u.length} and ${v.length} entries, its center ${center.length}`);
  const off = [Math.abs(dot(u, u) - 1), Math.abs(dot(v, v) - 1), Math.abs(dot(u, v))];
  if (off.some((e) => !(e < 1e-6)))
    throw new Error(`plane directions must be orthonormal (|u|²−1, |v|²−1, u·v = ${off.map((e) => e.toExponential(1)).join(', ')})`);
}

/** θ* + a·u + b·v. */
export function planePoint({ center, u, v }: Plane, a: number, b: number): Float32Array {
  return Float32Array.from(center, (c, i) => c + a * u[i]! + b * v[i]!);
}

/** Coordinates (a, b) of the orthogonal projection of each point onto the plane. */
export function projectOntoPlane(plane: Plane, points: ReadonlyArray<ArrayLike<number>>): Array<[number, number]> {
  checkOrthonormal(plane);
  const diff = new Float64Array(plane.center.length);
  return points.map((p) => {
    for (let i = 0; i < diff.length; i++) diff[i] = p[i]! - plane.center[i]!;
    return [dot(diff, plane.u), dot(diff, plane.v)];
  });
}

/** `count` evenly spaced values covering `values` and 0, widened by `margin` of the span on each side. */
export function axisAround(values: readonly number[], count: number, margin: number): number[] {
  if (count < 2) throw new Error(`a surface axis needs at least 2 points, got ${count}`);
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  const span = hi - lo || 1;
  lo -= margin * span;
  hi += margin * span;
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

/** The loss at every point of the grid alpha × beta on the plane. */
export function lossSurface(loss: (theta: Float32Array) => number, plane: Plane, alpha: readonly number[], beta: readonly number[]): Surface {
  checkOrthonormal(plane);
  return {
    alpha: [...alpha],
    beta: [...beta],
    loss: beta.map((b) => alpha.map((a) => loss(planePoint(plane, a, b)))),
  };
}
