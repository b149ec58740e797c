/**
 * What the account-life scenarios spend, made outside the measured runs: accounts that forgot
 * their password, users with a second factor and their sign-in challenges, the OAuth provider a
 * social sign-in talks to, and the SMTP server the outbox sends to.
 */
import bcrypt from 'bcrypt';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { RECOVERY_CODE_COUNT } from '../src/services/recovery-codes.js';
import { totpCode } from '../src/services/totp.js';
import { type FakeGoogle, type GoogleProfile, startFakeGoogle } from '../test/fakes/oauth/index.js';
import { postGraphQL } from '../test/helpers/graphql-client.js';
import { challengeOf, CONFIRM_TOTP, START_TOTP } from '../test/helpers/second-factor.js';
import { freePort, onStop } from './processes.js';
import { OPERATIONS, PASSWORD } from './scenarios.js';
import { gql, inParallel, signUp } from './stack.js';


/** The redirect URI the bench's gateways allow; https, so oauthLogin needs no client-held PKCE verifier. */
export const REDIRECT_URI = 'https://app.bench.example/oauth/callback';

/**
 * For each round, `perRound` addresses of accounts that have a password, none asked for before:
 * a link may go to one address once a minute, so every request must name a fresh one. Inserted
 * with one statement each round (signing up thousands through the API would take minutes).
 */
export async function resetAccounts(databaseUrl: string, tag: string, rounds: number, perRound: number): Promise<string[][]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const hash = await bcrypt.hash(PASSWORD, 4);
    const emails: string[][] = [];
    for (let round = 0; round < rounds; round++) {
      const { rows } = await client.query<{ email: string }>(
        `insert into users (id, email, email_verified, password_hash, nickname, created_at, updated_at)
         select gen_random_uuid(), 'reset-' || $1 || '-r' || $2 || '-' || i || '@bench.example', true, $3, 'Forgetful', now(), now()
         from generate_series(1, $4) as i returning email`,
        [tag, round, hash, perRound],
      );
      emails.push(rows.map((row) => row.email));
    }
    return emails;
  } finally {
    await client.end();
  }
}

export interface MfaUser {
  email: string;
  /** Recovery codes not spent yet. */
  codes: string[];
}

/** Users with TOTP on, enough that `challenges` sign-ins each spend a recovery code of their own. */
export async function mfaUsers(seederUrl: string, tag: string, challenges: number): Promise<MfaUser[]> {
  const count = Math.ceil(challenges / RECOVERY_CODE_COUNT);
  return inParallel(count, 8, async (i) => {
    const email = `mfa-${tag}-${i}@bench.example`;
    const { accessToken } = await signUp(seederUrl, email);
    const started = await gql<{ startTotpEnrollment: { secret: string } }>(seederUrl, START_TOTP, { password: PASSWORD }, accessToken);
    const code = totpCode(started.startTotpEnrollment.secret, Date.now());
    const codes = await gql<{ confirmTotpEnrollment: string[] }>(seederUrl, CONFIRM_TOTP, { code }, accessToken);
    return { email, codes: codes.confirmTotpEnrollment };
  });
}

/**
 * `count` fresh second-step challenges, each with a recovery code that answers it: the password
 * step runs on the seeder (bcrypt cost 4), so only `completeMfa` is left for the measured run.
 * A challenge lives 5 minutes: these are made just before the run that spends them.
 */
export async function mintChallenges(seederUrl: string, users: MfaUser[], count: number): Promise<Array<{ id: string; code: string }>> {
  // One code from each user in turn, so the challenges spread over every user and no user runs dry early.
  const picked: Array<{ email: string; code: string }> = [];
  while (picked.length < count) {
    const before = picked.length;
    for (const user of users) {
      const code = picked.length < count ? user.codes.pop() : undefined;
      if (code) picked.push({ email: user.email, code });
    }
    if (picked.length === before) throw new Error('every MFA user spent their recovery codes: raise the number of users');
  }
  return inParallel(count, 16, async (i) => {
    const { email, code } = picked[i]!;
    const answer = await postGraphQL(`${seederUrl}/graphql`, OPERATIONS.signIn, { i: { email, password: PASSWORD } });
    return { id: challengeOf(answer).id, code };
  });
}

/** Google as the gateway meets it, on loopback, with `count` people who consent to every sign-in. */
export async function startProvider(count: number): Promise<{ google: FakeGoogle; profiles: GoogleProfile[]; env: Record<string, string> }> {
  const google = await startFakeGoogle();
  onStop('fake Google', () => google.close());
  const profiles = Array.from({ length: count }, (_, i) => ({
    sub: String(100_000_000_000_000_000_000n + BigInt(i)),
    email: `social-${i}@bench.example`,
    email_verified: true,
    name: `Social ${i}`,
  }));
  // As test/helpers/oauth.ts envFor builds them; that module is jest's (it registers hooks), not the bench's.
  const env = {
    OAUTH_REDIRECT_URIS: REDIRECT_URI,
    OAUTH_GOOGLE_CLIENT_ID: google.clientId,
    OAUTH_GOOGLE_CLIENT_SECRET: google.clientSecret,
    OAUTH_GOOGLE_AUTHORIZE_URL: google.authorizeUrl,
    OAUTH_GOOGLE_TOKEN_URL: google.tokenUrl,
    OAUTH_GOOGLE_USERINFO_URL: google.userInfoUrl,
  };
  return { google, profiles, env };
}

/** An SMTP server on loopback that accepts every mail and keeps none (the bench measures the sender, not a mailbox). */
export async function startMailSink(): Promise<{ url: string; received: () => number }> {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        received += 1;
        callback();
      });
      stream.resume();
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  onStop('SMTP server', () => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `smtp://127.0.0.1:${port}`, received: () => received };
}
