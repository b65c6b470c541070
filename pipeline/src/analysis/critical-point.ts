/**
 * Finding a point where the gradient vanishes: Levenberg–Marquardt on the
 * squared gradient norm ‖g(θ)‖², g = ∇L. Its residual is g and its Jacobian
 * is the exact Hessian H, so each step solves (H² + λI)·Δ = −H·g in float64.
 * Small λ gives Newton's step on g = 0, which converges to saddles as well as
 * minima (any critical point nearby); large λ gives a short step along −H·g,
 * the gradient of ½‖g‖². A step is kept only if ‖g‖ drops. Needs the
 * Hessian's small eigenvalues, so g and H come in float64 (mlp-float64.ts).
 */
import { firstNonFinite, type NonFinite } from '../core/divergence.ts';
import { solvePositiveDefinite } from './cholesky.ts';
import { norm } from './vector.ts';

/** A twice-differentiable function of θ, evaluated in float64. */
export interface Objective {
  /** Number of parameters. */
  size: number;
  loss(theta: Float64Array): number;
  gradient(theta: Float64Array): Float64Array;
  /** n×n row-major, symmetric. */
  hessian(theta: Float64Array): Float64Array;
}

export interface CriticalPointOptions {
  /** Stop once ‖∇L‖ is below this. */
  gradientThreshold: number;
  /** Most trial steps (each one linear solve), accepted or not. */
  maxSteps: number;
  /** λ relative to the mean diagonal of H² at the start. */
  initialDamping: number;
  /** λ is multiplied by this after a rejected step … */
  dampingIncrease: number;
  /** … and divided by this after an accepted one (smaller: fewer rejected steps when the quadratic model is poor). */
  dampingDecrease: number;
  /** Give up when the relative λ exceeds this: no step, however short, lowers ‖∇L‖ (round-off). */
  maxDamping: number;
  onStep?: (step: number, gradientNorm: number) => void;
}

export type CriticalPointStop = 'threshold' | 'step-limit' | 'stalled' | 'diverged';

export interface CriticalPointSearch {
  theta: Float64Array;
  gradientNorm: number;
  /** Trial steps taken. */
  steps: number;
  acceptedSteps: number;
  stop: CriticalPointStop;
  /** The first non-finite value met (gradient or Hessian), if any. */
  nonFinite: { step: number; value: NonFinite } | null;
}

const minDamping = 1e-15;

/** H² (H symmetric) and −H·g. */
function normalEquations(h: Float64Array, g: Float64Array): { h2: Float64Array; rhs: Float64Array } {
  const n = g.length;
  const h2 = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += h[i * n + k]! * h[k * n + j]!;
      h2[i * n + j] = sum;
      h2[j * n + i] = sum;
    }
    let s = 0;
    for (let k = 0; k < n; k++) s -= h[i * n + k]! * g[k]!;
    rhs[i] = s;
  }
  return { h2, rhs };
}

export function findCriticalPoint(objective: Objective, start: Float64Array, options: CriticalPointOptions): CriticalPointSearch {
  const n = start.length;
  let theta = Float64Array.from(start);
  let g = objective.gradient(theta);
  let gradientNorm = norm(g);
  let steps = 0;
  let acceptedSteps = 0;
  let damping = options.initialDamping;
  let system: { h2: Float64Array; rhs: Float64Array; scale: number } | null = null;
  const result = (stop: CriticalPointStop, nonFinite: CriticalPointSearch['nonFinite'] = null): CriticalPointSearch => ({
    theta,
    gradientNorm,
    steps,
    acceptedSteps,
    stop,
    nonFinite,
  });

  const bad = firstNonFinite(g);
  if (bad) return result('diverged', { step: 0, value: bad });
  while (gradientNorm >= options.gradientThreshold) {
    if (steps >= options.maxSteps) return result('step-limit');
    if (!system) {
      const h = objective.hessian(theta);
      const badHessian = firstNonFinite(h);
      if (badHessian) return result('diverged', { step: steps, value: badHessian });
      const { h2, rhs } = normalEquations(h, g);
      let trace = 0;
      for (let i = 0; i < n; i++) trace += h2[i * n + i]!;
      system = { h2, rhs, scale: trace > 0 ? trace / n : 1 };
    }
    steps++;
    const a = Float64Array.from(system.h2);
    for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + damping * system.scale;
    const delta = solvePositiveDefinite(a, system.rhs);
    let accepted = false;
    if (delta) {
      const trial = theta.map((t, i) => t + delta[i]!);
      const trialGradient = objective.gradient(trial);
      const trialNorm = norm(trialGradient);
      if (trialNorm < gradientNorm) {
        [theta, g, gradientNorm] = [trial, trialGradient, trialNorm];
        accepted = true;
      }
    }
    if (accepted) {
      acceptedSteps++;
      system = null;
      damping = Math.max(damping / options.dampingDecrease, minDamping);
    } else {
      damping *= options.dampingIncrease;
      if (damping > options.maxDamping) return result('stalled');
    }
    options.onStep?.(steps, gradientNorm);
  }
  return result('threshold');
}
