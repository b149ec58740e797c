import { readFileSync } from 'node:fs';
import { parseDuration } from './duration.js';
import { parseEs256PrivateKey } from './es256-key.js';
import { type RateLimitConfig, readRateLimits } from './limits-config.js';
import { type MailConfig, readMailConfig } from './mail-config.js';
import { type OAuthConfig, readOAuthConfig } from './oauth-config.js';
import { readSecondFactorConfig, type SecondFactorConfig } from './second-factor-config.js';
import { boolean, integer, positiveDuration, type Reader, url } from './parsers.js';

export type Environment = Record<string, string | undefined>;

export interface Config {
  readonly nodeEnv: string;
  /** True when NODE_ENV was not set and development mode was reached by default (said loudly at start-up). */
  readonly nodeEnvDefaulted: boolean;
  readonly isProduction: boolean;
  readonly isDevelopment: boolean;
  readonly port: number;
  readonly host: string;
  /** Gateway processes to run (one per core, say); 1: this process serves. */
  readonly workers: number;
  /** null: start an embedded PostgreSQL under dataDir. */
  readonly databaseUrl: string | null;
  /** Where Redis is: one server, a cluster's seed nodes, or null (sessions are kept in PostgreSQL). */
  readonly redis: RedisLocation | null;
  /** Prefix of every Redis key this gateway writes. */
  readonly redisKeyPrefix: string;
  readonly dataDir: string;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  /** PEM from JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE; null: a key is generated once and kept in the database. */
  readonly jwtPrivateKeyPem: string | null;
  readonly accessTokenTtlMs: number;
  readonly accessTokenScope: string;
  readonly refreshTokenTtlMs: number;
  readonly sessionIdleTtlMs: number | null;
  readonly refreshReuseGraceMs: number;
  /** Live sessions a user may hold; creating one more evicts the least recently used. */
  readonly maxSessionsPerUser: number;
  /** How long audit events are kept. */
  readonly auditRetentionMs: number;
  readonly bcryptCost: number;
  readonly oauth: OAuthConfig;
  readonly rateLimits: RateLimitConfig;
  readonly mail: MailConfig;
  readonly secondFactor: SecondFactorConfig;
  /** Proxies in front that append to X-Forwarded-For; 0: the socket address is the client. */
  readonly trustedProxies: number;
  /** KEY_ENCRYPTION_KEY(_FILE): 32 bytes that seal private keys at rest; null: one generated under dataDir. */
  readonly keyEncryptionKey: Buffer | null;
  /** Most `_entities` representations one request may ask for. */
  readonly maxEntityRepresentations: number;
  /** The subgraph SDL carries @authenticated and @requiresScopes (false: for routers that cannot enforce them). */
  readonly federationAuthDirectives: boolean;
  /** The browser page at /graphql: Apollo Sandbox falling back to the bundled explorer, one of them, or none. Always off in production. */
  readonly explorer: 'auto' | 'sandbox' | 'bundled' | 'off';
  /** Browser origins allowed to call /graphql (CORS). */
  readonly corsOrigins: readonly string[];
  readonly introspection: boolean;
  readonly logLevel: string;
}

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

export type RedisLocation = { readonly kind: 'server'; readonly url: string } | { readonly kind: 'cluster'; readonly nodes: readonly RedisNode[] };

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * The one place that reads configuration. Collects every bad variable and throws one ConfigError
 * with a line per variable, so an operator fixes them all in one go.
 */
export function loadConfig(env: Environment): Config {
  const problems: string[] = [];
  const read: Reader = (name, fallback, parse) => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    try {
      return parse(raw.trim());
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return fallback;
    }
  };

  const nodeEnv = env.NODE_ENV?.trim() || 'development';
  const isProduction = nodeEnv === 'production';

  const mail = readMailConfig(read);
  const config: Config = {
    nodeEnv,
    nodeEnvDefaulted: !env.NODE_ENV?.trim(),
    isProduction,
    isDevelopment: nodeEnv === 'development',
    port: read('PORT', 4000, (raw) => integer(raw, 0, 65_535)),
    host: read('HOST', '127.0.0.1', (raw) => raw),
    workers: read('WORKERS', 1, (raw) => integer(raw, 1, 64)),
    databaseUrl: read('DATABASE_URL', null, (raw) => url(raw, ['postgres:', 'postgresql:'])),
    redis: readRedisLocation(read),
    redisKeyPrefix: read('REDIS_KEY_PREFIX', 'auth:', keyPrefix),
    dataDir: read('DATA_DIR', '.data', (raw) => raw),
    jwtIssuer: read('JWT_ISSUER', 'auth-gateway', (raw) => raw),
    jwtAudience: read('JWT_AUDIENCE', 'graphql', (raw) => raw),
    jwtPrivateKeyPem: readPrivateKey(env, problems),
    accessTokenTtlMs: read('ACCESS_TOKEN_TTL', parseDuration('15m'), positiveDuration),
    accessTokenScope: read('ACCESS_TOKEN_SCOPE', 'user', scope),
    refreshTokenTtlMs: read('REFRESH_TOKEN_TTL', parseDuration('14d'), positiveDuration),
    sessionIdleTtlMs: read('SESSION_IDLE_TTL', null, positiveDuration),
    refreshReuseGraceMs: read('REFRESH_REUSE_GRACE', parseDuration('10s'), parseDuration),
    maxSessionsPerUser: read('MAX_SESSIONS_PER_USER', 50, (raw) => integer(raw, 1, 10_000)),
    auditRetentionMs: read('AUDIT_RETENTION', parseDuration('90d'), positiveDuration),
    bcryptCost: read('BCRYPT_COST', 12, (raw) => integer(raw, 4, 31)),
    oauth: readOAuthConfig(read, (line) => problems.push(line)),
    rateLimits: readRateLimits(read),
    mail,
    secondFactor: readSecondFactorConfig(read, mail.appUrl),
    trustedProxies: read('TRUST_PROXY', 0, proxyHops),
    keyEncryptionKey: readKeyEncryptionKey(env, problems),
    explorer: withoutInProduction(read('EXPLORER', 'auto', (raw) => oneOf(raw, ['auto', 'sandbox', 'bundled', 'off'] as const)), 'off', isProduction),
    federationAuthDirectives: read('FEDERATION_AUTH_DIRECTIVES', true, boolean),
    maxEntityRepresentations: read('MAX_ENTITY_REPRESENTATIONS', 100, (raw) => integer(raw, 1, 10_000)),
    // Studio, and the embedded Sandbox our /graphql page shows (it calls from its own origin).
    corsOrigins: read('CORS_ORIGINS', isProduction ? [] : ['https://studio.apollographql.com', 'https://sandbox.embed.apollographql.com'], origins),
    introspection: read('INTROSPECTION', !isProduction, boolean),
    logLevel: read('LOG_LEVEL', 'info', (raw) => oneOf(raw, LOG_LEVELS)),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

function readRedisLocation(read: Reader): RedisLocation | null {
  const serverUrl = read('REDIS_URL', null, (raw) => url(raw, ['redis:', 'rediss:']));
  const nodes = read('REDIS_CLUSTER_NODES', null, (raw) => {
    if (serverUrl !== null) throw new Error('set either REDIS_URL or REDIS_CLUSTER_NODES, not both');
    return raw.split(',').map((seed) => hostAndPort(seed.trim()));
  });
  if (nodes !== null) return { kind: 'cluster', nodes };
  return serverUrl === null ? null : { kind: 'server', url: serverUrl };
}

function hostAndPort(raw: string): RedisNode {
  const match = /^(.+):(\d+)$/.exec(raw);
  if (!match) throw new Error(`expected host:port, got "${raw}"`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port: integer(match[2]!, 1, 65_535) };
}

// Cluster keys carry a {hash tag}; braces in the prefix would move every key to one slot.
function keyPrefix(raw: string): string {
  if (/[{}]/.test(raw)) throw new Error('must not contain { or }');
  return raw;
}

/**
 * A secret given inline (`NAME`) or as a file (`NAME_FILE`), never both: its text and the variable
 * it came from; null when neither is set or the file cannot be read (a problem line says so).
 */
function readSecret(env: Environment, name: string, problems: string[]): { from: string; text: string } | null {
  const inline = env[name]?.trim();
  const file = env[`${name}_FILE`]?.trim();
  if (inline && file) {
    problems.push(`${name}_FILE: set either ${name} or ${name}_FILE, not both`);
    return null;
  }
  if (inline) return { from: name, text: inline };
  if (!file) return null;
  try {
    return { from: `${name}_FILE`, text: readFileSync(file, 'utf8') };
  } catch (error) {
    problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return null;
  }
}

function readPrivateKey(env: Environment, problems: string[]): string | null {
  const secret = readSecret(env, 'JWT_PRIVATE_KEY', problems);
  if (secret === null) return null;
  // An inline key may carry its line breaks as \n escapes (one-line environment files).
  const pem = secret.from === 'JWT_PRIVATE_KEY' ? secret.text.replace(/\\n/g, '\n') : secret.text;
  try {
    parseEs256PrivateKey(pem);
    return pem;
  } catch (error) {
    problems.push(`${secret.from}: ${(error as Error).message}`);
    return null;
  }
}

/** `false` | `true`/`1` | N: how many proxies append to X-Forwarded-For in front of the gateway. */
function proxyHops(raw: string): number {
  if (/^\d+$/.test(raw)) return integer(raw, 0, 32);
  return boolean(raw) ? 1 : 0;
}

/** 32 bytes, as 64 hex digits or base64; inline or from a file (never quoted in a problem line). */
function readKeyEncryptionKey(env: Environment, problems: string[]): Buffer | null {
  const secret = readSecret(env, 'KEY_ENCRYPTION_KEY', problems);
  if (secret === null) return null;
  const raw = secret.text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    problems.push(`${secret.from}: expected 32 bytes as 64 hex digits or base64 (openssl rand -base64 32)`);
    return null;
  }
  return key;
}

/** A setting production overrides (no explorer there), still read so a bad value is reported. */
function withoutInProduction<T>(value: T, inProduction: T, isProduction: boolean): T {
  return isProduction ? inProduction : value;
}

function oneOf<T extends string>(raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) throw new Error(`expected one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function origins(raw: string): string[] {
  return raw.split(',').map((entry) => {
    const origin = entry.trim();
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) throw new Error(`expected origins like https://app.example.com, got "${origin}"`);
    return origin;
  });
}

function scope(raw: string): string {
  const tokens = raw.split(/\s+/);
  if (!tokens.every((t) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(t))) throw new Error('expected space-separated scope names');
  return tokens.join(' ');
}
