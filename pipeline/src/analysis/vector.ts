/** Plain float64 vector arithmetic (no TensorFlow.js). */

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** ‖v‖₂, by a loop: spreading a network's worth of entries into Math.hypot overflows the stack. */
export function norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! ** 2;
  return Math.sqrt(sum);
}
