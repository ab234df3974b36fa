// The import graph's rules, checked by dependency-cruiser over every import, static, type-only and
// dynamic import() alike (`npm run lint` runs it; test/lint-boundaries.test.ts runs it too):
//
// - no cycles, anywhere (tests and benches included);
// - a plugin imports only the plugin entry, @evolflow/core/plugin (packages/core/src/plugin.ts),
//   and its own files (that the entry loads no ajv or yaml at run time, type-only imports aside,
//   is checked by test/lint-boundaries.test.ts with a cruise that skips type-only imports);
// - a service imports only libraries: never another service, a plugin or the CLI;
// - a library never imports a service or a plugin (the CLI, the app, may import services);
// - the libraries form a stated order, each importing only those in tiers below its own
//   (never a sibling of its tier, never upwards). From the bottom:
//     0  core, testdata                      the contracts; fixtures with their licences
//     1  llm, transport, validators, dedup,  leaves: each builds on core alone
//        mixer, judge, local-llm
//     2  simulator, verify                   built on leaves (simulator serves the validators' broken formats)
//     3  observe                             reads llm usage, transport counts, mixer difficulty
//     4  runtime                             assembles llm, transport, observe, simulator for a stage
//     5  cli                                 the app: may import every library and the services
//   A new library goes in a tier here (LIBRARY_TIERS) and in the README's list.
//
// Tests (*.test.ts) may use a library of any tier (an llm test starts the simulator), so the order
// and plugin rules look at production files only; cycles and the service rule count everywhere.

/** The libraries, bottom first; each may import only libraries of a lower tier. */
const LIBRARY_TIERS = [
  ['core', 'testdata'],
  ['llm', 'transport', 'validators', 'dedup', 'mixer', 'judge', 'local-llm'],
  ['simulator', 'verify'],
  ['observe'],
  ['runtime'],
  ['cli'],
];

const TESTS = '\\.test\\.ts$';

/** One rule per library: no import of a library in its own tier or above. */
const orderRules = LIBRARY_TIERS.flatMap((tier, level) =>
  tier.map((name) => {
    const notBelow = LIBRARY_TIERS.slice(level).flat().filter((other) => other !== name);
    return {
      name: `library-order-${name}`,
      comment: `${name} (tier ${level}) imports only libraries of a lower tier (see LIBRARY_TIERS); not ${notBelow.join(', ') || 'nothing above'}.`,
      severity: 'error',
      from: { path: `^packages/${name}/`, pathNot: TESTS },
      to: { path: notBelow.length > 0 ? `^packages/(${notBelow.join('|')})/` : '^$' },
    };
  }),
).filter((rule) => rule.to.path !== '^$');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles: layers only point down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'plugin-only-plugin-entry',
      comment: 'A plugin imports only @evolflow/core/plugin (the contracts, defineStrategy, defineValidator, the strategy kit) and its own files.',
      severity: 'error',
      from: { path: '^plugins/([^/]+)/', pathNot: TESTS },
      to: { path: '^(packages|services|plugins)/', pathNot: ['^packages/core/src/plugin\\.ts$', '^plugins/$1/'] },
    },
    {
      name: 'service-imports-libraries-only',
      comment: 'A service imports only libraries: never another service, a plugin or the CLI.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: ['^services/', '^plugins/', '^packages/cli/'], pathNot: '^services/$1/' },
    },
    {
      name: 'library-no-service-or-plugin',
      comment: 'A library never imports a service or a plugin (the CLI, the app, may import services).',
      severity: 'error',
      from: { path: '^packages/(?!cli/)' },
      to: { path: '^(services|plugins)/' },
    },
    {
      name: 'cli-no-plugin',
      comment: 'The CLI loads strategies by name (loadStrategy), never by a static import.',
      severity: 'error',
      from: { path: '^packages/cli/' },
      to: { path: '^plugins/' },
    },
    ...orderRules,
  ],
  options: {
    includeOnly: '^(packages|plugins|services|test|bench)/',
    exclude: { path: ['/fixtures/', '/node_modules/', '^packages/[^/]+/dist/'] },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.cjs', '.mjs', '.json'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
