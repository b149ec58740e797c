/**
 * The house plan, checked: `npm run lint:deps`. Rooms are the folders under src/; doors open one
 * way (docs/architecture.md draws them):
 *
 *   app -> http -> graphql -> services -> (oauth, mail, stores) -> db -> infra
 *
 * A room may use any room below it except where a rule says otherwise; config/ and errors/ may
 * be used by every room and use nothing of ours (errors may use infra's pure helpers).
 */
const ROOMS = ['app', 'http', 'graphql', 'services', 'oauth', 'mail', 'stores', 'db', 'infra', 'config', 'errors'];

/** The rooms `room` may not import: those above it, and the ones the plan closes to it. */
const FORBIDDEN = {
  http: ['app', 'oauth', 'mail', 'stores', 'db'],
  graphql: ['app', 'http', 'oauth', 'mail', 'stores', 'db'],
  services: ['app', 'http', 'graphql', 'db'],
  oauth: ['app', 'http', 'graphql', 'services', 'mail', 'stores', 'db'],
  mail: ['app', 'http', 'graphql', 'services', 'oauth', 'db'],
  stores: ['app', 'http', 'graphql', 'services', 'oauth', 'mail'],
  db: ['app', 'http', 'graphql', 'services', 'oauth', 'mail', 'stores'],
  infra: ['app', 'http', 'graphql', 'services', 'oauth', 'mail', 'stores', 'db'],
  config: ROOMS.filter((room) => room !== 'config'),
  errors: ROOMS.filter((room) => !['errors', 'infra'].includes(room)),
};

const roomRules = Object.entries(FORBIDDEN).map(([room, closed]) => ({
  name: `${room}-doors`,
  comment: `src/${room}/ may not import ${closed.join(', ')} (docs/architecture.md).`,
  severity: 'error',
  from: { path: `^src/${room}/` },
  to: { path: `^src/(${closed.join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...roomRules,
    {
      name: 'only-main-enters-app',
      comment: 'src/app/ composes everything; inside src/ only the entry point (main.ts) imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(app/|main\\.ts$)' },
      to: { path: '^src/app/' },
    },
    {
      name: 'nothing-imports-main',
      severity: 'error',
      from: {},
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'migrations-through-the-composition-root',
      comment: 'The migration list is handed to the database by src/app/ (db/orm-config.ts takes it as an argument).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/app/' },
      to: { path: '^migrations/' },
    },
    {
      name: 'migrations-stand-alone',
      comment: 'A migration is a frozen step: it must not change when src/ does.',
      severity: 'error',
      from: { path: '^migrations/' },
      to: { path: '^(src|test|bench|scripts)/' },
    },
    {
      name: 'client-link-speaks-only-the-contract',
      comment: 'packages/apollo-link is published on its own: its source imports nothing of the gateway (src/) or its tools.',
      severity: 'error',
      from: { path: '^packages/apollo-link/src/' },
      to: { path: '^(src|test|bench|scripts|migrations)/' },
    },
    {
      name: 'src-not-to-tests-or-tools',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'no-circular',
      comment:
        'A cycle means two files are one room, or a word lives in the wrong one. Entities are the exception: an ORM relation (User.identities, OAuthIdentity.user) names its entity from both sides.',
      severity: 'error',
      from: { pathNot: '^src/db/entities/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'A source file nothing imports is dead code (entry points excepted).',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: '^src/main\\.ts$' },
      to: {},
    },
    {
      name: 'not-to-dev-dependencies',
      comment: 'What runs in production may not need a devDependency.',
      severity: 'error',
      from: { path: '^(src|migrations)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: "jest's global setup and teardown load the build (dist/), which a clean clone has only after `npm run build`.",
      severity: 'error',
      from: { pathNot: '^test/helpers/global-(setup|teardown)\\.ts$' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    // Type-only imports are doors too: a type from the wrong room couples the rooms all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
