/**
 * Experiment configs: a YAML file under content/experiments/ holds the full
 * config at its top level and, under `profiles.<name>`, the fields a profile
 * overrides. The merged result is validated strictly (unknown fields are
 * errors), and every error names the file, the line, the field path and what
 * was expected.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { InputError } from './errors.ts';
import { hashJson } from './hash.ts';
import { configFile, projectRoot } from './paths.ts';

export const profiles = ['full', 'quick'] as const;
export type Profile = (typeof profiles)[number];

export function activeProfile(env: NodeJS.ProcessEnv = process.env): Profile {
  const value = env.HW1_PROFILE ?? 'full';
  if (!(profiles as readonly string[]).includes(value)) {
    throw new ConfigError('HW1_PROFILE', [{ path: [], message: `expected one of ${profiles.map((p) => `"${p}"`).join(', ')}, got "${value}"` }]);
  }
  // turbo keys its cache on the variable's value, before any code of ours runs: "full" spelled out would be a
  // second key for the results an unset variable already has (a stray setting retrains everything, and doubles a
  // shared cache). Under turbo it is refused at once; everywhere else it simply means full.
  if (env.HW1_PROFILE === 'full' && env.TURBO_HASH) {
    throw new ConfigError('HW1_PROFILE', [
      {
        path: [],
        message:
          '"full" is the default: unset HW1_PROFILE for turbo (`npx turbo run report`); turbo keys its cache on the value, so "full" would be a second key for the same results',
      },
    ]);
  }
  return value as Profile;
}

export interface ConfigIssue {
  path: Array<string | number>;
  message: string;
  line?: number;
}

export class ConfigError extends InputError {
  readonly file: string;
  readonly issues: ConfigIssue[];
  constructor(file: string, issues: ConfigIssue[]) {
    super(
      `invalid config ${file}:\n` +
        issues.map((i) => `  ${file}${i.line ? `:${i.line}` : ''}: ${i.path.length ? `${formatPath(i.path)}: ` : ''}${i.message}`).join('\n'),
    );
    this.file = file;
    this.issues = issues;
  }
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

export interface LoadedConfig<T> {
  config: T;
  /** Hash of the validated, profile-merged config: the config part of the cache key. */
  hash: string;
  profile: Profile;
  file: string;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; anything else (arrays included) is replaced. */
function merge(base: unknown, over: unknown): unknown {
  if (!isPlain(base) || !isPlain(over)) return over;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? merge(base[k], v) : v;
  return out;
}

function has(value: unknown, path: ReadonlyArray<PropertyKey>): boolean {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !(key in v)) return false;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return true;
}

/** At most this many characters of a value are echoed in a message (a config can hold a huge one by mistake). */
const SHOWN = 80;

/** A message part, cut to a readable length with the full length said. */
function clip(text: string, max = SHOWN): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length.toLocaleString('en-US')} characters)`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'string') return `the string ${clip(JSON.stringify(value))}`;
  if (typeof value === 'number' && !Number.isFinite(value)) return `${value} (not a finite number)`;
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${clip(JSON.stringify(value))}`;
}

/** Turns one Zod issue into "expected …, got …" wording. */
function explain(issue: z.core.$ZodIssue): { path: Array<string | number>; message: string } {
  const path = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      return { path, message: `expected ${issue.expected}, got ${describe(input)}` };
    case 'unrecognized_keys':
      return issue.keys.length === 1
        ? { path: [...path, issue.keys[0]!], message: `unknown field (not part of this config; check the spelling)` }
        : { path, message: `unknown fields ${issue.keys.map((k) => `"${k}"`).join(', ')}` };
    case 'invalid_value':
      return {
        path,
        message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(input)}`,
      };
    case 'too_small': {
      const what = issue.origin === 'array' ? 'a list of at least' : issue.origin === 'string' ? 'at least' : 'a number >=';
      const bound = issue.inclusive === false && issue.origin !== 'array' ? `> ${issue.minimum}` : `${what} ${issue.minimum}`;
      return { path, message: `expected ${issue.origin === 'array' ? `${bound} items` : bound}, got ${describe(input)}` };
    }
    case 'too_big': {
      // A bound of core/schemas.ts `limits` carries its reason as the message (zod's own begins "Too big").
      if (!issue.message.startsWith('Too big')) {
        const max = Number(issue.maximum).toLocaleString('en-US');
        return { path, message: `expected at most ${max}${issue.origin === 'array' ? ' items' : ''}, got ${describe(input)}: ${issue.message}` };
      }
      const bound = issue.inclusive === false ? `< ${issue.maximum}` : `<= ${issue.maximum}`;
      return { path, message: `expected ${issue.origin === 'array' ? `at most ${issue.maximum} items` : `a number ${bound}`}, got ${describe(input)}` };
    }
    default:
      return { path, message: issue.message };
  }
}

function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: Array<string | number>): number | undefined {
  // Walk down as far as the path exists, so a missing field points at its parent.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : (doc.getIn(path.slice(0, n), true) as Node | undefined);
    if (node && typeof node === 'object' && 'range' in node && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Reads `file`, applies `profiles.<profile>` over the top-level fields and
 * validates the result with `schema`.
 */
export function loadConfig<S extends z.ZodType>(file: string, schema: S, profile: Profile, displayName: string = file): LoadedConfig<z.output<S>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(displayName, [{ path: [], message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? err})` }]);
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      displayName,
      doc.errors.map((e) => ({
        path: [],
        line: e.linePos?.[0]?.line,
        message: `YAML syntax: ${clip(e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''), 200)}`,
      })),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // E.g. aliases expanding without bound (a "billion laughs" document): the YAML library refuses it.
    throw new ConfigError(displayName, [{ path: [], message: `YAML refused: ${clip((err as Error).message, 200)}` }]);
  }
  if (!isPlain(raw)) throw new ConfigError(displayName, [{ path: [], line: 1, message: `expected a mapping of fields, got ${describe(raw)}` }]);

  const { profiles: profileBlock, ...base } = raw;
  if (profileBlock !== undefined) {
    if (!isPlain(profileBlock)) {
      throw new ConfigError(displayName, [
        { path: ['profiles'], line: lineOf(doc, counter, ['profiles']), message: `expected a mapping of profile names, got ${describe(profileBlock)}` },
      ]);
    }
    const unknown = Object.keys(profileBlock).filter((p) => !(profiles as readonly string[]).includes(p));
    if (unknown.length > 0) {
      throw new ConfigError(
        displayName,
        unknown.map((p) => ({
          path: ['profiles', p],
          line: lineOf(doc, counter, ['profiles', p]),
          message: `unknown profile; expected one of ${profiles.join(', ')}`,
        })),
      );
    }
  }
  // Validate every profile's merged config, not only the active one: a mistake that only the full report
  // would meet (a top-level field the quick profile overrides) fails a quick run too.
  for (const p of profiles) {
    const over = isPlain(profileBlock) ? profileBlock[p] : undefined;
    if (p !== profile) validate(over === undefined ? base : merge(base, over), p);
  }
  const override = isPlain(profileBlock) ? profileBlock[profile] : undefined;
  const config = validate(override === undefined ? base : merge(base, override), profile);
  return { config, hash: hashJson({ profile, config }), profile, file: displayName };

  function validate(merged: unknown, p: Profile): z.output<S> {
    const result = schema.safeParse(merged, { reportInput: true });
    if (result.success) return result.data;
    const over = isPlain(profileBlock) ? profileBlock[p] : undefined;
    const issues = result.error.issues.map((issue) => {
      const { path, message } = explain(issue);
      // Point at the profile override when the bad value came from there.
      const fromProfile = over !== undefined && path.length > 0 && has(over, path);
      const shown = fromProfile ? ['profiles', p, ...path] : path;
      // A value that is fine alone can clash with another profile's override: say which profile.
      const where = p !== profile && !fromProfile ? (over === undefined ? ` (under profile "${p}")` : ` (with the overrides of profile "${p}")`) : '';
      return { path: shown, message: message + where, line: lineOf(doc, counter, shown) };
    });
    throw new ConfigError(displayName, issues);
  }
}

/** A stage's config (content/experiments/<name>.yaml, or under HW1_CONFIG_DIR) under a profile, validated by its spec. */
export function loadStageConfig<C extends z.ZodType>(
  spec: { name: string; configSchema: C },
  profile: Profile = activeProfile(),
  env: NodeJS.ProcessEnv = process.env,
): LoadedConfig<z.output<C>> {
  const file = configFile(spec.name, env);
  const shown = relative(projectRoot, file);
  return loadConfig(file, spec.configSchema, profile, shown.startsWith('..') ? file : shown);
}
