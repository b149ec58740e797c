import { readFileSync } from 'node:fs';
import { type Config, type Environment, loadConfig } from '../src/config/config.js';
import { type OAuthProviderName, OAUTH_PROVIDERS as PROVIDERS } from '../src/config/oauth-config.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Running against'));

interface Row {
  /** As the table writes it: `OAUTH_<P>_CLIENT_ID` stands for one variable per provider. */
  readonly name: string;
  readonly variable: string;
  readonly provider: OAuthProviderName | undefined;
  /** The Default column, as written. */
  readonly byDefault: string;
}

/** The configuration table, `| \`NAME\` | default | meaning |`, with `<P>` rows spelled out per provider. */
const rows: Row[] = [...section.matchAll(/^\| `([A-Z_<>]+)` \| (.*?) \| .* \|$/gm)].flatMap(([, name, byDefault]) =>
  name!.includes('<P>')
    ? PROVIDERS.map((provider): Row => ({ name: name!, variable: name!.replace('<P>', provider), provider, byDefault: byDefault! }))
    : [{ name: name!, variable: name!, provider: undefined, byDefault: byDefault! } satisfies Row],
);

/** Every variable loadConfig reads, found by handing it an environment that records each read. */
function variablesReadByConfig(): string[] {
  const read = new Set<string>();
  const recorder = new Proxy({}, { get: (_target, name) => (typeof name === 'string' && read.add(name), undefined) });
  loadConfig(recorder);
  return [...read].sort();
}

const DEVELOPMENT: Environment = {}; // NODE_ENV unset: development, its documented default
const PRODUCTION: Environment = { NODE_ENV: 'production' };

/** What a Default cell says. */
type Documented =
  /** `4000`: a value that holds in every mode. */
  | { readonly kind: 'value'; readonly value: string }
  /** `on outside production`, or `outside production: \`…\`; in production: none`. */
  | { readonly kind: 'outside production'; readonly value: string; readonly noneInProduction: boolean }
  /** `unset`, `unset: what happens then`, `the provider's real endpoint`: no value a variable could hold. */
  | { readonly kind: 'no value' };

function documented(row: Row): Documented {
  const cell = row.byDefault;
  let match: RegExpExecArray | null;
  if ((match = /^`([^`]+)`$/.exec(cell))) return { kind: 'value', value: match[1]! };
  if ((match = /^outside production: `([^`]+)`; in production: none$/.exec(cell))) return { kind: 'outside production', value: match[1]!, noneInProduction: true };
  if ((match = /^(on|off) outside production$/.exec(cell))) return { kind: 'outside production', value: match[1] === 'on' ? 'true' : 'false', noneInProduction: false };
  if (/^unset(:|$)/.test(cell) || cell === "the provider's real endpoint") return { kind: 'no value' };
  throw new Error(`${row.variable}: test/readme.test.ts cannot read the default "${cell}"; teach it this form`);
}

/**
 * Rows whose default is no value: what leaving the variable unset must give (checked in development
 * and in production), or why there is nothing to compare.
 */
const WITHOUT_A_VALUE: Record<string, ((config: Config, provider: OAuthProviderName | undefined) => unknown) | { skip: string }> = {
  DATABASE_URL: (config) => config.databaseUrl, // embedded PostgreSQL under DATA_DIR
  REDIS_URL: (config) => config.redis, // sessions kept in PostgreSQL
  REDIS_CLUSTER_NODES: (config) => config.redis,
  JWT_PRIVATE_KEY: (config) => config.jwtPrivateKeyPem, // a key generated once and kept in the database
  JWT_PRIVATE_KEY_FILE: (config) => config.jwtPrivateKeyPem,
  SESSION_IDLE_TTL: (config) => config.sessionIdleTtlMs, // no idle timeout
  OAUTH_$P_CLIENT_ID: (config, provider) => config.oauth.providers[provider!], // provider off
  OAUTH_$P_CLIENT_SECRET: { skip: 'it matters only beside a client id (test/unit/config.test.ts)' },
  OAUTH_$P_AUTHORIZE_URL: { skip: 'the README names no URL (see src/config/oauth-config.ts)' },
  OAUTH_$P_TOKEN_URL: { skip: 'the README names no URL (see src/config/oauth-config.ts)' },
  OAUTH_$P_USERINFO_URL: { skip: 'the README names no URL (see src/config/oauth-config.ts)' },
  KEY_ENCRYPTION_KEY: (config) => config.keyEncryptionKey, // one generated in DATA_DIR
  KEY_ENCRYPTION_KEY_FILE: (config) => config.keyEncryptionKey,
  SMTP_URL: (config) => config.mail.smtpUrl, // development keeps the mails; production refuses links
  MAIL_TEMPLATES_DIR: (config) => config.mail.templatesDir, // the built-in templates
};
/** `in production: none`: the part of the Config that must be empty in production when the variable is unset. */
const NONE_IN_PRODUCTION: Record<string, (config: Config) => readonly unknown[]> = {
  CORS_ORIGINS: (config) => config.corsOrigins,
};
const key = (name: string) => name.replace('<P>', '$P');

/**
 * Setting the variable to its documented default gives the same Config as leaving it unset: the
 * code parses the documented text with its own parser, so `15m` and 900 000 ms compare equal.
 */
function expectSameAsUnset(base: Environment, variable: string, value: string): void {
  const unset = loadConfig(base);
  const set = loadConfig({ ...base, [variable]: value });
  if (variable === 'NODE_ENV') {
    // The one field that differs by design: whether development was reached by default (a warning at start-up).
    expect({ ...set, nodeEnvDefaulted: true }).toEqual({ ...unset, nodeEnvDefaulted: true });
  } else {
    expect(set).toEqual(unset);
  }
}

/** The part of the production Config the README says is "none" is empty. */
function expectNoneInProduction(variable: string): void {
  const part = NONE_IN_PRODUCTION[variable];
  if (!part) throw new Error(`${variable}: say in NONE_IN_PRODUCTION which part of the Config "none" is`);
  expect(part(loadConfig(PRODUCTION))).toEqual([]);
}

/** Leaving the variable unset is accepted in either mode (loadConfig throws otherwise) and gives nothing. */
function expectNothingWhenUnset(unset: (config: Config, provider: OAuthProviderName | undefined) => unknown, provider: OAuthProviderName | undefined): void {
  expect(unset(loadConfig(DEVELOPMENT), provider)).toBeNull();
  expect(unset(loadConfig(PRODUCTION), provider)).toBeNull();
}

describe('README configuration table', () => {
  it('documents exactly the variables the configuration reads', () => {
    expect(rows.map((row) => row.variable).sort()).toEqual(variablesReadByConfig());
  });

  // Each row's title says what the README claims, and for a row not compared, why.
  const titled = rows.map((row) => {
    const unset = WITHOUT_A_VALUE[key(row.name)];
    const why = unset && typeof unset !== 'function' ? `; not compared: ${unset.skip}` : '';
    return [`${row.variable}: ${row.byDefault}${why}`, row] as const;
  });

  it.each(titled)('documents the default the code has for %s', (_title, row) => {
    const said = documented(row);
    switch (said.kind) {
      case 'value':
        expectSameAsUnset(DEVELOPMENT, row.variable, said.value);
        // NODE_ENV=production is no default of NODE_ENV; every other default holds in production too.
        if (row.variable !== 'NODE_ENV') expectSameAsUnset(PRODUCTION, row.variable, said.value);
        break;
      case 'outside production':
        expectSameAsUnset(DEVELOPMENT, row.variable, said.value);
        if (said.noneInProduction) expectNoneInProduction(row.variable);
        break;
      case 'no value': {
        const unset = WITHOUT_A_VALUE[key(row.name)];
        if (!unset) throw new Error(`${row.variable}: its default "${row.byDefault}" names no value; say in WITHOUT_A_VALUE what leaving it unset gives`);
        if (typeof unset === 'function') expectNothingWhenUnset(unset, row.provider);
        break;
      }
    }
  });

  it('explains only rows the table has', () => {
    const names = new Set(rows.map((row) => key(row.name)));
    expect([...Object.keys(WITHOUT_A_VALUE), ...Object.keys(NONE_IN_PRODUCTION)].filter((name) => !names.has(name))).toEqual([]);
  });
});
