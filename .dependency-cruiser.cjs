/**
 * The architecture, checked (test/tooling/layers.test.ts runs it): which folder
 * of the pipeline may import which, and where the site meets the pipeline.
 * Layers, lowest first: core → native → runtime | data → nn → train | analysis →
 * stages → compare → history; bench | tooling; → bin. Imports point down only; type-only
 * imports count too.
 * The site: lib (drawing, checks, reading artifacts) → stages (one pure view
 * per stage, and the registry that joins views to data) → components → pages.
 */
const src = '^pipeline/src';
// The modules the site may import: the pipeline package's exports, read from pipeline/package.json (one list).
const exported = Object.values(require('./pipeline/package.json').exports).map((file) => `^pipeline/${file.replace(/^\.\//, '').replace(/[.]/g, '\\.')}$`);
const layer = (name, mayImport, comment) => ({
  name: `layer-${name}`,
  comment,
  severity: 'error',
  from: { path: `${src}/${name}/` },
  to: { path: `${src}/`, pathNot: mayImport.map((l) => `${src}/${l}/`) },
});

module.exports = {
  forbidden: [
    layer('core', ['core'], 'core is the contract and the plumbing: it imports no other part of the pipeline (and no TensorFlow.js)'),
    layer('native', ['core', 'native'], 'the native kernels: their build and their binding, no TensorFlow.js'),
    layer('runtime', ['core', 'native', 'runtime'], 'the runtime runs stages: it loads their run modules by name, never by import'),
    layer('data', ['core', 'data'], 'datasets know nothing of models or training'),
    layer('nn', ['core', 'nn'], 'models are functions of their parameters; they know nothing of data files or training'),
    layer('train', ['core', 'data', 'native', 'nn', 'train'], 'training loops use models and data, not analyses'),
    layer('analysis', ['core', 'nn', 'analysis'], 'analyses (Hessians, PCA, sensitivity) work on models and vectors, not on training loops'),
    layer('stages', ['core', 'data', 'nn', 'train', 'analysis', 'stages'], 'a stage composes the library below it'),
    layer('compare', ['core', 'stages', 'compare'], 'the diff reads specs and artifacts; it trains nothing'),
    layer('history', ['core', 'stages', 'compare', 'history'], 'results over commits: checkouts and metrics as the diff has them, nothing trained by import'),
    layer('bench', ['core', 'native', 'runtime', 'nn', 'train', 'stages', 'bench'], "the benchmark trains the report's models"),
    layer('tooling', ['core', 'data', 'native', 'tooling'], 'derived files and the stage scaffold'),
    {
      name: 'stage-to-other-stage',
      comment: "a stage folder imports no other stage folder: one stage's code is never in another's cache key",
      severity: 'error',
      from: { path: `${src}/stages/([^/]+)/` },
      to: { path: `${src}/stages/[^/]+/`, pathNot: `${src}/stages/$1/` },
    },
    {
      name: 'metrics-by-name-only',
      comment: "a stage's metrics.ts is loaded by name (compare/metrics.ts), so editing a metric retrains nothing",
      severity: 'error',
      from: {},
      to: { path: `${src}/stages/[^/]+/metrics\\.ts$` },
    },
    {
      name: 'no-one-imports-bin',
      comment: 'bin/ holds entry points: argv in, a call out',
      severity: 'error',
      from: {},
      to: { path: `${src}/bin/` },
    },
    {
      name: 'site-through-exports',
      comment: 'the site reads the pipeline only through its package exports (pipeline/package.json)',
      severity: 'error',
      from: { path: '^site/' },
      to: {
        path: `${src}/`,
        pathNot: exported,
      },
    },
    {
      name: 'site-lib-below-stages',
      comment: "site/src/lib is the library the stages' views use: it imports no stage (a stage's figures, facts and checks live in its own module)",
      severity: 'error',
      from: { path: '^site/src/lib/' },
      to: { path: '^site/src/stages/' },
    },
    {
      name: 'site-views-pure',
      comment:
        "a stage's view is a function of the data it is given: it reads no artifact (lib/data/artifacts.ts, compare.ts, live.ts); the registry (stages/index.ts) joins views to data",
      severity: 'error',
      from: { path: '^site/src/stages/', pathNot: '^site/src/stages/index\\.ts$' },
      to: { path: '^site/src/lib/data/(artifacts|compare|live|published)\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(pipeline|site)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.astro)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'default'], extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
