// The architecture as a check (`npm run check:deps`, part of `npm test`): no import cycles, and
// imports only go down the layer order
//   schemas ← core ← analytics ← ingest, processors ← api ← app ← bench ← cli
// (each folder may import the ones to its left, never one to its right or a sibling). The
// dashboard is a separate program: from the server it may import only types, and only from the
// contracts (schemas/, api/).
const layers = ['schemas', 'core', 'analytics', ['ingest', 'processors'], 'api', 'app', 'bench', 'cli'];
const server = layers.flat();

/** One rule per layer: it must not import any folder of a later layer, nor its sibling. */
const layerRules = layers.flatMap((layer, i) =>
  [layer].flat().map((folder) => {
    const above = layers.slice(i + 1).flat();
    const siblings = [layer].flat().filter((f) => f !== folder);
    const forbidden = [...above, ...siblings, 'dashboard', 'test'];
    return {
      name: `${folder}-layer`,
      comment: `${folder}/ may import only ${layers.slice(0, i).flat().join(', ') || 'nothing of the project'}`,
      severity: 'error',
      from: { path: `^${folder}/` },
      to: { path: `^(${forbidden.join('|')})/` },
    };
  }),
);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle (type-only ones included) means two modules are one job or a layer is upside down',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'dashboard-contract-types-only',
      comment: 'The dashboard runs in the browser: it may share the server\'s contract types, never its code',
      severity: 'error',
      from: { path: '^dashboard/' },
      to: { path: `^(${server.join('|')})/`, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'dashboard-contracts-only',
      comment: 'Of the server, the dashboard sees only the contracts (schemas/, api/)',
      severity: 'error',
      from: { path: '^dashboard/' },
      to: { path: `^(${server.filter((f) => f !== 'schemas' && f !== 'api').join('|')})/` },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing fails at run time',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Type-only imports count: a type cycle is still a cycle, and a layer that needs a type from
    // above is upside down.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|data)/' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.mjs', '.js', '.vue', '.json', '.d.ts'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
  },
};
