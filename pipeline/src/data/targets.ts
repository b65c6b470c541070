/** Target functions on x in [0, 1] for the "simulate a function" experiments. */

export interface TargetFunction {
  id: TargetId;
  /** Plain-text name used in figures. */
  label: string;
  /** The same formula in TeX, for the write-up. */
  tex: string;
  smooth: boolean;
  f: (x: number) => number;
}

export const targetIds = ['sinc', 'sign', 'damped-cosine'] as const;
export type TargetId = (typeof targetIds)[number];

/** sin(πt)/(πt) with its limit 1 at t = 0 (no 0/0). */
export function sinc(t: number): number {
  if (t === 0) return 1;
  const a = Math.PI * t;
  // Below this |a| the Taylor series 1 − a²/6 is exact in float64.
  if (Math.abs(a) < 1e-8) return 1 - (a * a) / 6;
  return Math.sin(a) / a;
}

export const targets: Record<TargetId, TargetFunction> = {
  sinc: {
    id: 'sinc',
    label: 'sinc(5πx) = sin(5πx)/(5πx)',
    tex: '\\frac{\\sin(5\\pi x)}{5\\pi x}',
    smooth: true,
    f: (x) => sinc(5 * x),
  },
  sign: {
    id: 'sign',
    label: 'sign(sin(5πx))',
    tex: '\\operatorname{sign}(\\sin(5\\pi x))',
    smooth: false,
    f: (x) => Math.sign(Math.sin(5 * Math.PI * x)),
  },
  'damped-cosine': {
    id: 'damped-cosine',
    label: 'e^(−2x)·cos(6πx)',
    tex: 'e^{-2x}\\cos(6\\pi x)',
    smooth: true,
    f: (x) => Math.exp(-2 * x) * Math.cos(6 * Math.PI * x),
  },
};

/** n evenly spaced points from 0 to 1 inclusive. */
export function grid(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i / (n - 1));
}
