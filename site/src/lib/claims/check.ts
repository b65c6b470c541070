/**
 * What a check is. Claims the prose makes about the results are named checks
 * on one stage's artifact data, declared in that stage's module
 * (site/src/stages/<stage>.ts, `checks`). <Claim check="name" …> states one in
 * a page; a check returns whether the data bear it out, with the numbers that
 * decide it, so a contradicted claim is flagged on the page and in the build
 * log (./claims-log.ts), and fails the build under HW1_STRICT=1.
 *
 * A finding is a check whose answer is one of several outcomes ("the deeper
 * network fits better", "the seeds overlap", …), declared once with the check
 * (`finding([...outcomes] as const, …)`): the page gives a sentence for each,
 * <Finding check="name" when="outcome">, and shows the one the data choose. A
 * yes/no check (`claim(…)`) has the outcomes "yes" (it holds) and "no".
 *
 * A check is a pure function of its stage's data and the page's attributes:
 * the same function decides the head's verdict and, in a compare build, the
 * base's. This module knows no stage.
 */
import { separation } from '@hw1/pipeline/rank-stats';
import { median } from '@hw1/pipeline/stats';

/** pass: the data bear the claim out; fail: they contradict it; unchecked: the data to decide are missing (e.g. a dataset not installed). */
export type ClaimStatus = 'pass' | 'fail' | 'unchecked';
export interface CheckResult {
  status: ClaimStatus;
  /** The numbers that decided it, for the page and the build log. */
  evidence: string;
  /** A finding's answer, one of the outcomes its check declares. */
  outcome?: string;
}
/** The attributes a page gives a check besides its name (e.g. fn="sign"). */
export type CheckArgs = Readonly<Record<string, string | undefined>>;

/** The data could not decide: a missing dataset, every run diverged. */
export interface Unchecked {
  status: 'unchecked';
  evidence: string;
}
/** A finding's answer, typed by its outcomes. */
export interface Found<O extends string> {
  status: 'pass';
  evidence: string;
  outcome: O;
}

/** A check of one stage's data: the outcomes it can answer, and how it decides. */
export interface Check<D, O extends string = string> {
  kind: 'claim' | 'finding';
  outcomes: readonly O[];
  run: (data: D, args: CheckArgs) => CheckResult;
}

export const YES_NO = ['yes', 'no'] as const;

/** A yes/no claim: it holds on the data, or they contradict it. */
export function claim<D>(run: (data: D, args: CheckArgs) => CheckResult): Check<D, (typeof YES_NO)[number]> {
  return { kind: 'claim', outcomes: YES_NO, run };
}

/** A finding: the data choose one of `outcomes`, and the type checker holds `run` to them. */
export function finding<D, const O extends string>(outcomes: readonly O[], run: (data: D, args: CheckArgs) => Found<NoInfer<O>> | Unchecked): Check<D, O> {
  return { kind: 'finding', outcomes, run };
}

export const verdict = (pass: boolean, evidence: string): CheckResult => ({ status: pass ? 'pass' : 'fail', evidence });
export const unchecked = (evidence: string): Unchecked => ({ status: 'unchecked', evidence });
/** A finding's answer: the data decide which sentence the page shows, so the one shown holds. */
export const found = <O extends string>(outcome: O, evidence: string): Found<O> => ({ status: 'pass', evidence, outcome });

/** A check's outcome: a finding's own, or "yes"/"no" from a yes/no check (null when the data to decide are missing). */
export function outcomeOf(result: CheckResult): string | null {
  if (result.status === 'unchecked') return null;
  return result.outcome ?? (result.status === 'pass' ? 'yes' : 'no');
}

/** A page's attribute a check needs, or an error naming the page's mistake. */
export const need = (args: CheckArgs, key: string, check: string): string => {
  const v = args[key];
  if (!v) throw new Error(`claim check "${check}" needs the attribute ${key}="…"`);
  return v;
};

// ---- what several stages' checks measure ----

/** A rank correlation over n pairs counts as a relation beyond about two standard errors of no relation (1/√(n − 1)). */
export const correlationOutcome = <O extends string>(rho: number, n: number, negative: O, positive: O, none: O): O => {
  const threshold = 2 / Math.sqrt(n - 1);
  return Number.isNaN(rho) ? none : rho <= -threshold ? negative : rho >= threshold ? positive : none;
};
export const rhoText = (rho: number, n: number, what: string) =>
  Number.isNaN(rho)
    ? `no rank correlation over ${n} ${what}: one of the two does not vary`
    : `Spearman's ρ = ${rho.toFixed(2)} over ${n} ${what} (|ρ| ≥ ${(2 / Math.sqrt(n - 1)).toFixed(2)} counts as a relation)`;
export const rangeText = (xs: readonly number[], show: (v: number) => string) => `${show(Math.min(...xs))} to ${show(Math.max(...xs))}`;
/** Largest over smallest minus one: how far apart a set of parameter counts is. */
export const sizeGap = (counts: readonly number[]) => Math.max(...counts) / Math.min(...counts) - 1;
/** First over last tenth of a series, by median: how many times it fell over the run. */
export const fallFactor = (xs: readonly number[]) => {
  const n = Math.max(1, Math.floor(xs.length / 10));
  return median(xs.slice(0, n)) / median(xs.slice(-n));
};

/** The deepest and the shallowest model, and how the deepest's range over seeds lies against the shallowest's (rank-stats separation). */
export function deepVsShallow<M extends { depth: number }>(models: readonly M[], spreadOf: (m: M) => { min: number; max: number }) {
  const deep = models.reduce((a, b) => (b.depth > a.depth ? b : a));
  const shallow = models.reduce((a, b) => (b.depth < a.depth ? b : a));
  const range = (m: M) => [spreadOf(m).min, spreadOf(m).max];
  return { deep, shallow, side: separation(range(deep), range(shallow)) };
}
