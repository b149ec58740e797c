import { MIGRATIONS } from '../../migrations/index.js';
import type { Config } from '../config/config.js';
import { type MikroORM, openDatabase } from '../db/database.js';
import type { Clock } from '../infra/clock.js';
import { attachEmbeddedPostgres, startEmbeddedPostgres } from '../infra/embedded-postgres.js';
import { keyEncryptionKey } from '../infra/key-encryption-key.js';
import { KeySealer } from '../infra/key-sealer.js';
import type { Logger } from '../infra/logger.js';
import { closeRedis, connectRedis, type RedisClient } from '../infra/redis.js';
import { DevelopmentMailbox, type Mailer, SmtpMailer } from '../mail/mailer.js';
import { type DeliveryObserver, OutboxSender } from '../mail/outbox-sender.js';
import { MailTemplates } from '../mail/templates.js';
import { configuredProviders } from '../oauth/index.js';
import { AccountDeletion } from '../services/account-deletion.js';
import { AccountMail } from '../services/account-mail.js';
import { AccessTokens } from '../services/access-tokens.js';
import { Administration } from '../services/administration.js';
import { type AuthEventObserver, AuthEvents } from '../services/auth-events.js';
import { DeviceTokens } from '../services/device-tokens.js';
import { EmailChange } from '../services/email-change.js';
import { EmailVerification } from '../services/email-verification.js';
import { FactorCodes } from '../services/factor-codes.js';
import { LoginCheck } from '../services/login.js';
import { Logout } from '../services/logout.js';
import { OAuthLogin } from '../services/oauth-login.js';
import { OneTimeTokens } from '../services/one-time-tokens.js';
import { PasswordAuth } from '../services/password-auth.js';
import { PasswordChange } from '../services/password-change.js';
import { PasswordReset } from '../services/password-reset.js';
import { Passkeys } from '../services/passkeys.js';
import { Passwords } from '../services/passwords.js';
import { RateLimits } from '../services/rate-limits.js';
import { Reauthentication } from '../services/reauthentication.js';
import { SecondFactor } from '../services/second-factor.js';
import { SecondStep } from '../services/second-step.js';
import { Sessions } from '../services/sessions.js';
import { SigningKeyring } from '../services/signing-keyring.js';
import { TokenRefresh } from '../services/token-refresh.js';
import { UserProfiles } from '../services/user-profiles.js';
import { AccountStore } from '../stores/account-store.js';
import { OutboxQueue } from '../stores/outbox-queue.js';
import { AuditTrail } from '../stores/audit-trail.js';
import type { ChangeFeed } from '../stores/change-feed.js';
import { type ChallengeStore, PostgresChallengeStore, RedisChallengeStore } from '../stores/challenge-store.js';
import { PostgresOAuthStateStore, RedisOAuthStateStore } from '../stores/oauth-state-store.js';
import { PostgresChangeFeed } from '../stores/postgres-change-feed.js';
import { PostgresSessionStore } from '../stores/postgres-session-store.js';
import { RateLimitCounters } from '../stores/rate-limit-counters.js';
import { RedisChangeFeed } from '../stores/redis-change-feed.js';
import { RedisSessionStore } from '../stores/redis-session-store.js';
import type { SessionStore } from '../stores/session-store.js';
import { SigningKeyStore } from '../stores/signing-key-store.js';

/** The stores and services the gateway and the admin commands share. */
export interface Core {
  databaseUrl: string;
  orm: MikroORM;
  redis: RedisClient | null;
  sessionStore: SessionStore;
  /** Change feeds by name, not started. */
  feeds: Map<string, ChangeFeed>;
  keyring: SigningKeyring;
  accessTokens: AccessTokens;
  auditTrail: AuditTrail;
  events: AuthEvents;
  sessions: Sessions;
  profiles: UserProfiles;
  loginCheck: LoginCheck;
  passwordAuth: PasswordAuth;
  oauthLogin: OAuthLogin;
  tokenRefresh: TokenRefresh;
  logout: Logout;
  administration: Administration;
  accounts: AccountStore;
  /** The outbox as its senders, the development mailbox and pruning see it. */
  outboxQueue: OutboxQueue;
  /** Delivers the mail outbox once started; null where no mail can go (production without SMTP_URL). */
  mailSender: OutboxSender | null;
  emailVerification: EmailVerification;
  passwordReset: PasswordReset;
  passwordChange: PasswordChange;
  emailChange: EmailChange;
  accountDeletion: AccountDeletion;
  secondFactor: SecondFactor;
  secondStep: SecondStep;
  passkeys: Passkeys;
}

/** How often each gateway's sender looks at the outbox when no commit woke it. */
const MAIL_POLL_MS = 1_000;

/**
 * Connects the stores named by the config and builds every service on them. `closers` receives,
 * in start order, whatever must be stopped. The gateway owns an embedded PostgreSQL (`own`); an
 * admin command uses the one a running gateway owns, or starts it for itself (`attach`).
 */
export async function openCore(
  config: Config,
  options: { logger: Logger; clock: Clock; embedded: 'own' | 'attach'; closers: Array<() => Promise<unknown>>; observeEvent?: AuthEventObserver; observeMail?: DeliveryObserver },
): Promise<Core> {
  const { logger, clock, closers } = options;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === null) {
    const open = options.embedded === 'own' ? startEmbeddedPostgres : attachEmbeddedPostgres;
    const embedded = await open(config.dataDir, (line) => logger.warn(line));
    closers.push(() => embedded.stop());
    databaseUrl = embedded.url;
  }
  const orm = await openDatabase(databaseUrl, MIGRATIONS);
  closers.push(() => orm.close(true));
  const redis = config.redis === null ? null : await connectRedis(config.redis);
  if (redis) closers.push(() => closeRedis(redis));
  const redisStore = redis && new RedisSessionStore(redis, config.redisKeyPrefix);
  const postgresStore = redisStore ? null : new PostgresSessionStore(orm, databaseUrl);
  if (postgresStore) closers.push(() => postgresStore.close());
  const sessionStore: SessionStore = redisStore ?? postgresStore!;
  // Changes reach an instance from the database (deleted sessions and users, changed users,
  // rotated keys) and, with sessions in Redis, from the Redis store's announcements.
  const feeds = new Map<string, ChangeFeed>([['postgres', new PostgresChangeFeed(databaseUrl, logger)]]);
  if (redisStore) feeds.set('redis', new RedisChangeFeed(config.redis!, redisStore.revocationChannel, logger));

  const kek = await keyEncryptionKey(config.keyEncryptionKey, config.dataDir);
  if (kek.generatedAt !== null && config.isProduction) {
    logger.warn(`KEY_ENCRYPTION_KEY is not set: signing keys are sealed with a key generated in ${kek.generatedAt}; keep it apart from database backups, and give every instance the same KEY_ENCRYPTION_KEY`);
  }
  const sealer = new KeySealer(kek.key);
  const signingKeys = new SigningKeyStore(orm, sealer);
  const keyring = await SigningKeyring.open(signingKeys, config.jwtPrivateKeyPem, config, clock);
  closers.push(async () => keyring.close());
  const accessTokens = new AccessTokens(keyring, config, clock);
  const auditTrail = new AuditTrail(orm, logger);
  closers.push(() => auditTrail.close());
  const events = new AuthEvents(auditTrail, logger, clock, options.observeEvent);
  const sessions = new Sessions(sessionStore, accessTokens, config, events, clock, [...feeds.keys()]);
  const profiles = new UserProfiles(() => accounts.users(), clock, 'postgres');
  const accounts = new AccountStore(orm, (userIds) => profiles.forget(userIds));
  const users = () => accounts.users();

  const counters = redis ? RateLimitCounters.inRedis(redis, config.redisKeyPrefix, clock) : RateLimitCounters.inPostgres(databaseUrl, clock);
  closers.push(() => counters.close());
  const limits = new RateLimits(counters, config.rateLimits);
  const passwords = new Passwords(config.bcryptCost);
  const deviceTokens = new DeviceTokens(sealer.derive('device tokens'), clock);
  const oauthStates = redis ? new RedisOAuthStateStore(redis, config.redisKeyPrefix) : new PostgresOAuthStateStore(orm);
  const challenges: ChallengeStore = redis ? new RedisChallengeStore(redis, config.redisKeyPrefix) : new PostgresChallengeStore(orm);

  const outboxQueue = new OutboxQueue(databaseUrl);
  closers.push(() => outboxQueue.close());
  const mailer = mailerFor(config, logger);
  const observeMail = options.observeMail ?? { sent: () => undefined, failed: () => undefined };
  const mailSender = mailer && new OutboxSender(outboxQueue, mailer, auditTrail, logger, observeMail, { from: config.mail.from, pollMs: MAIL_POLL_MS });
  const mail = new AccountMail(new MailTemplates(config.mail.templatesDir), { mail: config.mail, isProduction: config.isProduction, queued: () => mailSender?.wake() });
  const tokens = new OneTimeTokens(config.mail.tokenTtls, events, clock);
  const codes = new FactorCodes(accounts, sealer, limits, events, clock);
  const reauthentication = new Reauthentication(passwords, limits, events, codes);
  const secondStep = new SecondStep(accounts, challenges, codes, sessions, events, clock);
  const secondFactor = new SecondFactor(accounts, sealer, mail, reauthentication, codes, sessions, events, config.secondFactor, clock);
  const emailVerification = new EmailVerification(accounts, tokens, mail, limits, events, clock);
  return {
    databaseUrl,
    orm,
    redis,
    sessionStore,
    feeds,
    keyring,
    accessTokens,
    auditTrail,
    events,
    sessions,
    profiles,
    loginCheck: new LoginCheck(accessTokens, sessions, profiles),
    passwordAuth: new PasswordAuth(users, passwords, sessions, limits, events, deviceTokens, secondStep, clock, config.mail.requireEmailVerification ? emailVerification : null),
    oauthLogin: new OAuthLogin(users, configuredProviders(config.oauth), oauthStates, sessions, limits, events, secondStep, config.oauth, clock),
    tokenRefresh: new TokenRefresh(sessions, profiles, limits),
    logout: new Logout(sessions, limits, events),
    administration: new Administration(users, sessions, passwords, signingKeys, events, auditTrail, secondFactor, config, clock),
    accounts,
    outboxQueue,
    mailSender,
    emailVerification,
    passwordReset: new PasswordReset(accounts, tokens, mail, passwords, sessions, limits, events, clock),
    passwordChange: new PasswordChange(accounts, tokens, mail, passwords, reauthentication, sessions, events, clock),
    emailChange: new EmailChange(accounts, tokens, mail, reauthentication, sessions, limits, events, clock),
    accountDeletion: new AccountDeletion(accounts, mail, reauthentication, sessions, events),
    secondFactor,
    secondStep,
    passkeys: new Passkeys(accounts, challenges, mail, reauthentication, sessions, limits, events, config.secondFactor, clock),
  };
}

/** SMTP when configured; without it, the development mailbox, except in production, which sends nothing. */
function mailerFor(config: Config, logger: Logger): Mailer | null {
  if (config.mail.smtpUrl !== null) return new SmtpMailer(config.mail.smtpUrl);
  return config.isProduction ? null : new DevelopmentMailbox(logger, '/dev/mailbox');
}
