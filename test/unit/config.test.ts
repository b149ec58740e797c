import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { configError } from '../helpers/config-error.js';
import { generateSigningKey } from '../../src/services/signing-keys.js';

describe('loadConfig defaults', () => {
  it('match the configuration table of the contract', () => {
    expect(loadConfig({})).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: null,
      redis: null,
      redisKeyPrefix: 'auth:',
      dataDir: '.data',
      jwtIssuer: 'auth-gateway',
      jwtAudience: 'graphql',
      jwtPrivateKeyPem: null,
      accessTokenTtlMs: 15 * 60_000,
      refreshTokenTtlMs: 14 * 86_400_000,
      sessionIdleTtlMs: null,
      refreshReuseGraceMs: 10_000,
      maxSessionsPerUser: 50,
      bcryptCost: 12,
      trustedProxies: 0,
      keyEncryptionKey: null,
      maxEntityRepresentations: 100,
      introspection: true,
      logLevel: 'info',
    });
  });

  it('treat an empty or blank variable as unset', () => {
    expect(loadConfig({ PORT: '', BCRYPT_COST: '   ' })).toMatchObject({ port: 4000, bcryptCost: 12 });
  });

  it.each([
    [{}, true],
    [{ NODE_ENV: 'test' }, true],
    [{ NODE_ENV: 'production' }, false],
    [{ NODE_ENV: 'production', INTROSPECTION: 'true' }, true],
    [{ NODE_ENV: 'development', INTROSPECTION: 'false' }, false],
  ])('set introspection for %p to %p', (env, introspection) => {
    expect(loadConfig(env).introspection).toBe(introspection);
  });
});

describe('loadConfig with bad variables', () => {
  const SECRET = 's3cr3t-Passw0rd';
  const bad = {
    PORT: 'abc',
    BCRYPT_COST: '99',
    ACCESS_TOKEN_TTL: '15x',
    DATABASE_URL: `mysql://admin:${SECRET}@db.internal:3306/auth`,
    REDIS_URL: `http://:${SECRET}@cache.internal:6379`,
    INTROSPECTION: 'maybe',
  };

  it('throws one ConfigError with one line per bad variable, each starting with its name', () => {
    const error = configError({ ...bad, HOST: '0.0.0.0', JWT_ISSUER: 'fine' });
    expect(error.problems).toHaveLength(Object.keys(bad).length);
    for (const name of Object.keys(bad)) {
      expect(error.problems.filter((line) => line.startsWith(`${name}: `))).toHaveLength(1);
    }
    for (const line of error.problems) expect(error.message).toContain(line);
  });

  it('never echoes a secret value', () => {
    const error = configError(bad);
    expect(error.message).not.toContain(SECRET);
    expect(error.problems.join('\n')).not.toContain(SECRET);
  });

  it('refuses JWT_PRIVATE_KEY and JWT_PRIVATE_KEY_FILE together', () => {
    const error = configError({ JWT_PRIVATE_KEY: generateSigningKey().privateKeyPem, JWT_PRIVATE_KEY_FILE: '/etc/hostname' });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^JWT_PRIVATE_KEY(_FILE)?: /);
    expect(error.message).not.toContain('PRIVATE KEY-----');
  });

  it('refuses a JWT_PRIVATE_KEY_FILE that cannot be read', () => {
    const error = configError({ JWT_PRIVATE_KEY_FILE: '/nonexistent/signing-key.pem' });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^JWT_PRIVATE_KEY_FILE: /);
  });

  it('reads the key from JWT_PRIVATE_KEY_FILE, and from JWT_PRIVATE_KEY with escaped newlines', async () => {
    const pem = generateSigningKey().privateKeyPem;
    const dir = await mkdtemp(path.join(tmpdir(), 'config-test-'));
    try {
      const file = path.join(dir, 'key.pem');
      await writeFile(file, pem, { mode: 0o600 });
      expect(loadConfig({ JWT_PRIVATE_KEY_FILE: file }).jwtPrivateKeyPem).toBe(pem);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(loadConfig({ JWT_PRIVATE_KEY: pem.trim().replace(/\n/g, '\\n') }).jwtPrivateKeyPem).toBe(pem.trim());
  });

  it('refuses a JWT_PRIVATE_KEY that is not an EC P-256 private key, without echoing it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const value of ['not-a-pem-but-a-secret', rsa]) {
      const error = configError({ JWT_PRIVATE_KEY: value });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatch(/^JWT_PRIVATE_KEY: /);
      expect(error.message).not.toContain(value.length > 100 ? value.slice(60, 120) : value);
    }
  });
});

describe('the built entry point with a bad environment', () => {
  it('exits non-zero and prints one line per bad variable on stderr', () => {
    const result = spawnSync('node_modules/.bin/node', ['dist/src/main.js'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { PATH: process.env.PATH, NODE_ENV: 'production', PORT: 'abc', BCRYPT_COST: '99' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.signal).toBeNull();
    expect(result.status).not.toBe(0);
    const lines = result.stderr.split('\n').map((line) => line.trim());
    expect(lines.filter((line) => line.startsWith('PORT: '))).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('BCRYPT_COST: '))).toHaveLength(1);
    expect(result.stdout).toBe('');
  });
});

describe('loadConfig for Redis', () => {
  it('reads REDIS_URL as one server', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).redis).toEqual({ kind: 'server', url: 'redis://127.0.0.1:6379/2' });
  });

  it('reads REDIS_CLUSTER_NODES as the seed nodes of a cluster', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002' }).redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
  });

  it.each([
    ['a seed without a port', { REDIS_CLUSTER_NODES: '127.0.0.1' }, 'REDIS_CLUSTER_NODES'],
    ['a seed with port 0', { REDIS_CLUSTER_NODES: '127.0.0.1:0' }, 'REDIS_CLUSTER_NODES'],
    ['both REDIS_URL and REDIS_CLUSTER_NODES', { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '127.0.0.1:7000' }, 'REDIS_CLUSTER_NODES'],
    ['a key prefix with a brace (it would break cluster hash tags)', { REDIS_KEY_PREFIX: 'auth{x}:' }, 'REDIS_KEY_PREFIX'],
    ['a session cap of zero', { MAX_SESSIONS_PER_USER: '0' }, 'MAX_SESSIONS_PER_USER'],
  ])('refuses %s', (_case, env, variable) => {
    const error = configError(env);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.startsWith(`${variable}: `)).toBe(true);
  });
});

describe('loadConfig for social login', () => {
  it('turns every provider off by default and allows the contract\'s default redirect URI', () => {
    expect(loadConfig({}).oauth).toEqual({
      providers: { GOOGLE: null, NAVER: null, KAKAO: null },
      redirectUris: ['http://localhost:3000/oauth/callback'],
      requireState: false,
    });
  });

  it('turns a provider on with its client id and secret, at its real endpoints unless overridden', () => {
    const oauth = loadConfig({
      OAUTH_GOOGLE_CLIENT_ID: 'google-id',
      OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret',
      OAUTH_KAKAO_CLIENT_ID: 'kakao-id',
      OAUTH_KAKAO_TOKEN_URL: 'http://127.0.0.1:9000/oauth/token',
      OAUTH_REDIRECT_URIS: 'https://app.example/cb, myapp://oauth',
      OAUTH_REQUIRE_STATE: 'true',
    }).oauth;
    expect(oauth.providers.GOOGLE).toEqual({
      clientId: 'google-id',
      clientSecret: 'google-secret',
      authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      userInfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
    });
    // Kakao apps may have no client secret.
    expect(oauth.providers.KAKAO).toMatchObject({ clientId: 'kakao-id', clientSecret: null, tokenUrl: 'http://127.0.0.1:9000/oauth/token' });
    expect(oauth.providers.NAVER).toBeNull();
    expect(oauth.redirectUris).toEqual(['https://app.example/cb', 'myapp://oauth']);
    expect(oauth.requireState).toBe(true);
  });

  it.each([
    ['a Google client id without its secret', { OAUTH_GOOGLE_CLIENT_ID: 'id' }, 'OAUTH_GOOGLE_CLIENT_SECRET'],
    ['a Naver client id without its secret', { OAUTH_NAVER_CLIENT_ID: 'id' }, 'OAUTH_NAVER_CLIENT_SECRET'],
    ['a secret without a client id', { OAUTH_KAKAO_CLIENT_SECRET: 's' }, 'OAUTH_KAKAO_CLIENT_SECRET'],
    ['an endpoint that is not an http(s) URL', { OAUTH_NAVER_TOKEN_URL: 'ftp://example/token' }, 'OAUTH_NAVER_TOKEN_URL'],
    ['a redirect URI that is not absolute', { OAUTH_REDIRECT_URIS: '/callback' }, 'OAUTH_REDIRECT_URIS'],
    ['OAUTH_REQUIRE_STATE that is not a boolean', { OAUTH_REQUIRE_STATE: 'sometimes' }, 'OAUTH_REQUIRE_STATE'],
  ])('refuses %s', (_case, env, variable) => {
    const error = configError(env);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.startsWith(`${variable}: `)).toBe(true);
  });
});

describe('loadConfig for rate limits', () => {
  it('defaults to the limits the README lists', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      accountMaxFailures: 5,
      accountLockMaxMs: 15 * 60_000,
      accountFailureResetMs: 12 * 3_600_000,
      signInPerAddress: { points: 30, windowMs: 5 * 60_000 },
      refreshPerAddress: { points: 150, windowMs: 5 * 60_000 },
      signUpPerAddress: { points: 10, windowMs: 3_600_000 },
      oauthPerAddress: { points: 30, windowMs: 5 * 60_000 },
      mailPerAddress: { points: 10, windowMs: 60 * 60_000 },
    });
  });

  it('reads <count>/<duration>', () => {
    expect(loadConfig({ RATE_LIMIT_REFRESH: '20 / 90s' }).rateLimits.refreshPerAddress).toEqual({ points: 20, windowMs: 90_000 });
  });

  it.each([
    ['a limit without a window', { RATE_LIMIT_SIGNIN: '30' }, 'RATE_LIMIT_SIGNIN'],
    ['a zero count', { RATE_LIMIT_SIGNUP: '0/1h' }, 'RATE_LIMIT_SIGNUP'],
    ['a window under a second', { RATE_LIMIT_OAUTH: '5/0s' }, 'RATE_LIMIT_OAUTH'],
    ['a failure count that is not a number', { SIGNIN_ACCOUNT_MAX_FAILURES: 'five' }, 'SIGNIN_ACCOUNT_MAX_FAILURES'],
  ])('refuses %s', (_case, env, variable) => {
    const error = configError(env);
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.startsWith(`${variable}: `)).toBe(true);
  });
});

describe('loadConfig for proxies and key encryption', () => {
  it.each([
    ['false', 0],
    ['0', 0],
    ['true', 1],
    ['1', 1],
    ['3', 3],
  ])('TRUST_PROXY=%s → %i proxies that append to X-Forwarded-For', (raw, hops) => {
    expect(loadConfig({ TRUST_PROXY: raw }).trustedProxies).toBe(hops);
  });

  it('refuses a TRUST_PROXY that is neither a boolean nor a count', () => {
    expect(configError({ TRUST_PROXY: 'leftmost' }).problems).toEqual([expect.stringMatching(/^TRUST_PROXY: /)]);
  });

  it('reads KEY_ENCRYPTION_KEY as 64 hex digits or base64 of 32 bytes, and refuses anything else without echoing it', () => {
    expect(loadConfig({ KEY_ENCRYPTION_KEY: 'ab'.repeat(32) }).keyEncryptionKey).toEqual(Buffer.alloc(32, 0xab));
    expect(loadConfig({ KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') }).keyEncryptionKey).toEqual(Buffer.alloc(32, 1));
    const error = configError({ KEY_ENCRYPTION_KEY: 'too-short-secret' });
    expect(error.problems).toEqual([expect.stringMatching(/^KEY_ENCRYPTION_KEY: expected 32 bytes/)]);
    expect(error.message).not.toContain('too-short-secret');
    expect(configError({ KEY_ENCRYPTION_KEY: 'ab'.repeat(32), KEY_ENCRYPTION_KEY_FILE: '/etc/hostname' }).problems).toEqual([
      expect.stringMatching(/^KEY_ENCRYPTION_KEY_FILE: set either/),
    ]);
  });

  it('says whether NODE_ENV was set or development was only the default', () => {
    expect(loadConfig({}).nodeEnvDefaulted).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).nodeEnvDefaulted).toBe(false);
  });
});

describe('EXPLORER and FEDERATION_AUTH_DIRECTIVES', () => {
  it('EXPLORER: auto by default, one of four values, and off in production whatever it says (a bad value is still refused there)', () => {
    expect(loadConfig({}).explorer).toBe('auto');
    expect(loadConfig({ EXPLORER: 'bundled' }).explorer).toBe('bundled');
    expect(loadConfig({ NODE_ENV: 'production', EXPLORER: 'bundled' }).explorer).toBe('off');
    expect(configError({ NODE_ENV: 'production', EXPLORER: 'graphiql' }).problems).toEqual(['EXPLORER: expected one of auto, sandbox, bundled, off, got "graphiql"']);
  });

  it('FEDERATION_AUTH_DIRECTIVES: true by default; false drops them', () => {
    expect(loadConfig({}).federationAuthDirectives).toBe(true);
    expect(loadConfig({ FEDERATION_AUTH_DIRECTIVES: 'false' }).federationAuthDirectives).toBe(false);
  });
});
