/**
 * `npm run admin -- <command>`: an operator's commands, run beside the gateways (same settings).
 * Answers on stdout (`--json` for JSON), errors on stderr; exit 1 when a command fails, 2 for a
 * usage error. See `npm run admin -- help`.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configFromProcess } from '../src/config/from-process.js';
import { openCore } from '../src/app/core.js';
import { AuthError } from '../src/errors/auth-error.js';
import { systemClock } from '../src/infra/clock.js';
import { createLogger } from '../src/infra/logger.js';
import { AdminError, type Administration } from '../src/services/administration.js';

const USAGE = `usage: npm run admin -- <command> [--json]

  create-user --email E --nickname N    password read from the first line of stdin
  disable-user <user>                   no sign-in, refresh or access token works; its sessions end
  enable-user <user>
  revoke-sessions <user>                ends every session of the user
  reset-mfa <user>                      removes TOTP, recovery codes and passkeys; ends the sessions; mails the user
  sessions <user>                       the user's live sessions
  events <user> [--limit N]             the user's latest audit events (default 20)
  rotate-keys [--now]                   a new signing key (in JWKS now, signing in 5 min, or --now)

  <user> is a user id or an email.`;

type Answer = { text: string; json: unknown };

function usage(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { json: { type: 'boolean' }, now: { type: 'boolean' }, email: { type: 'string' }, nickname: { type: 'string' }, limit: { type: 'string' } },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
})();
const [command, who, ...extra] = positionals;
if (command === undefined || command === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const needsUser = ['disable-user', 'enable-user', 'revoke-sessions', 'reset-mfa', 'sessions', 'events'];
if (!needsUser.includes(command) && !['create-user', 'rotate-keys'].includes(command)) usage(`unknown command: ${command}`);
if (needsUser.includes(command) !== (who !== undefined) || extra.length > 0) usage(`${command}: wrong arguments`);
const limit = values.limit === undefined ? 20 : Number(values.limit);
if (!Number.isInteger(limit) || limit < 1 || limit > 1000) usage('--limit must be a whole number from 1 to 1000');

const config = configFromProcess();
const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 2);
const closers: Array<() => Promise<unknown>> = [];
let exitCode = 0;
try {
  const core = await openCore(config, { logger, clock: systemClock, embedded: 'attach', closers });
  const answer = await run(core.administration, command, who ?? '');
  process.stdout.write(`${values.json ? JSON.stringify(answer.json, null, 2) : answer.text}\n`);
} catch (error) {
  if (!(error instanceof AdminError || error instanceof AuthError)) throw error;
  const { field, reason } = error instanceof AuthError ? error.extensions : {};
  const named = typeof field === 'string' ? ` (${field})` : '';
  const detail = error instanceof AuthError && error.code === 'BAD_USER_INPUT' && typeof reason === 'string' ? reason : error.message;
  process.stderr.write(`${command} failed${named}: ${detail}\n`);
  exitCode = 1;
} finally {
  for (const closer of closers.reverse()) await closer().catch(() => undefined);
}
process.exit(exitCode);

async function run(admin: Administration, name: string, user: string): Promise<Answer> {
  switch (name) {
    case 'create-user': {
      if (values.email === undefined || values.nickname === undefined) usage('create-user needs --email and --nickname');
      const password = readFileSync(0, 'utf8').split(/\r?\n/)[0] ?? '';
      const created = await admin.createUser({ email: values.email, nickname: values.nickname, password });
      return { text: `created user ${created.id} (${created.email})`, json: { id: created.id, email: created.email } };
    }
    case 'disable-user': {
      const { user: disabled, sessionsEnded } = await admin.disable(user);
      return { text: `disabled user ${disabled.id}; ${sessionsEnded} session(s) ended`, json: { id: disabled.id, disabled: true, sessionsEnded } };
    }
    case 'enable-user': {
      const enabled = await admin.enable(user);
      return { text: `enabled user ${enabled.id}`, json: { id: enabled.id, disabled: false } };
    }
    case 'revoke-sessions': {
      const { user: owner, sessionsEnded } = await admin.revokeSessions(user);
      return { text: `${sessionsEnded} session(s) of user ${owner.id} ended`, json: { id: owner.id, sessionsEnded } };
    }
    case 'reset-mfa': {
      const { user: owner, ...reset } = await admin.resetMfa(user);
      const what = `${reset.totpRemoved ? 'TOTP and recovery codes' : 'no TOTP'}, ${reset.passkeysRemoved} passkey(s) removed`;
      return { text: `second factors of user ${owner.id} reset: ${what}; ${reset.sessionsEnded} session(s) ended`, json: { id: owner.id, ...reset } };
    }
    case 'sessions': {
      const { user: owner, sessions } = await admin.listSessions(user);
      const json = sessions.map((s) => ({ ...s, createdAt: iso(s.createdAt), lastUsedAt: iso(s.lastUsedAt), expiresAt: iso(s.expiresAt) }));
      const rows = json.map((s) => `${s.id}  last used ${s.lastUsedAt}  ends ${s.expiresAt}  ${s.ip ?? '-'}  ${s.userAgent ?? '-'}`);
      return { text: [`user ${owner.id}: ${sessions.length} live session(s)`, ...rows].join('\n'), json: { id: owner.id, sessions: json } };
    }
    case 'events': {
      const { user: owner, events } = await admin.recentEvents(user, limit);
      const rows = events.map((e) => `${e.at.toISOString()}  ${e.type}  session ${e.sessionId ?? '-'}  ${e.ip ?? '-'}  ${e.detail ? JSON.stringify(e.detail) : ''}`);
      return { text: [`user ${owner.id}: latest ${events.length} event(s)`, ...rows].join('\n'), json: { id: owner.id, events } };
    }
    default: {
      const rotation = await admin.rotateKeys(values.now === true);
      return {
        text: `new signing key ${rotation.kid}: in JWKS now, signing from ${rotation.activeFrom.toISOString()}; older keys verify until ${rotation.olderKeysVerifyUntil.toISOString()}`,
        json: rotation,
      };
    }
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
