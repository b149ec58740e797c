import { randomBytes } from 'node:crypto';
import type { GoogleProfile, NaverProfile } from '../../fakes/oauth/index.js';
import { type Me as AccountMe, REQUEST_EMAIL_VERIFICATION, VERIFY_EMAIL } from '../../helpers/account-mutations.js';
import { loginState, PASSWORD, refresh, refreshed, sessionIdOf, signedIn, signIn, signUp, storedSessionIds, uniqueEmail } from '../../helpers/accounts.js';
import { withinOneSecond } from '../../helpers/eventually.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { useMailApp } from '../../helpers/mail-app.js';
import { envFor, loggedIn, useFakeProviders } from '../../helpers/oauth.js';
import { tokenFrom } from '../../helpers/smtp-sink.js';
import type { StoreKind } from '../../helpers/test-app.js';

const ME = '{ me { id email emailVerified pendingEmail hasPassword providers } }';
const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email pendingEmail } } }';

interface Me extends AccountMe {
  providers: string[];
}

const id = () => randomBytes(6).toString('hex');
const google = (email: string): GoogleProfile => ({ sub: `10${BigInt(`0x${id()}`)}`, email, email_verified: true, name: 'Google User' });
const naver = (email: string): NaverProfile => ({ id: `nv-${id()}`, email, nickname: 'Naver User' });

const fakes = await useFakeProviders();

describe.each<StoreKind>(['redis', 'postgres'])('email verification of provider accounts (sessions in %s)', (store) => {
  const ctx = useMailApp({ ...envFor(fakes), APP_URL: 'https://app.example.com' }, { store });

  const me = async (accessToken: string) => (await ctx.app.gql<{ me: Me }>(ME, undefined, bearer(accessToken))).data!.me;
  // Profiles are cached per instance and dropped when the database announces a change: within 1 s.
  const meOnce = (accessToken: string, done: (me: Me) => boolean) => withinOneSecond(() => me(accessToken), done);
  const verify = (token: string, headers?: Record<string, string>) => ctx.app.gql<{ verifyEmail: boolean }>(VERIFY_EMAIL, { token }, headers);
  async function verificationLink(accessToken: string, email: string): Promise<string> {
    expect((await ctx.app.gql(REQUEST_EMAIL_VERIFICATION, undefined, bearer(accessToken))).data).toEqual({ requestEmailVerification: true });
    const [mail] = await ctx.smtp.waitFor(email);
    return tokenFrom(mail!, 'verify-email');
  }
  const stored = async (userId: string) =>
    (await ctx.app.sql<{ email: string | null; email_verified: boolean }>('select email, email_verified from users where id = $1', [userId]))[0];

  describe('Naver (never verifies emails)', () => {
    it("an account with no email shows the Naver email as pendingEmail; the link makes it the account's verified email", async () => {
      const email = uniqueEmail();
      const social = await loggedIn(ctx.app, 'NAVER', fakes.naver, naver(email.toUpperCase()));
      expect(social.user).toMatchObject({ email: null, emailVerified: false });
      expect(await me(social.accessToken)).toEqual({ id: social.user.id, email: null, emailVerified: false, pendingEmail: email, hasPassword: false, providers: ['NAVER'] });

      const token = await verificationLink(social.accessToken, email);
      expect((await verify(token, bearer(social.accessToken))).data).toEqual({ verifyEmail: true });
      expect(await meOnce(social.accessToken, (m) => m.emailVerified)).toMatchObject({ email, emailVerified: true, pendingEmail: null });
      expect(await stored(social.user.id)).toEqual({ email, email_verified: true });
      // The email is the account's now: no one else can sign up with it.
      const taken = await ctx.app.gql('mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }', { input: { email, password: PASSWORD, nickname: 'Late' } });
      expect(errorCode(taken)).toBe('EMAIL_TAKEN');
    });

    it('if another account took that email meanwhile: INVALID_EMAIL_TOKEN, and nothing changes', async () => {
      const email = uniqueEmail();
      const social = await loggedIn(ctx.app, 'NAVER', fakes.naver, naver(email));
      const token = await verificationLink(social.accessToken, email);
      const owner = await signUp(ctx.app, email);

      expect(errorCode(await verify(token, bearer(social.accessToken)))).toBe('INVALID_EMAIL_TOKEN');
      expect(errorCode(await verify(token))).toBe('INVALID_EMAIL_TOKEN');
      expect(await me(social.accessToken)).toMatchObject({ email: null, emailVerified: false, pendingEmail: email });
      expect(await stored(social.user.id)).toEqual({ email: null, email_verified: false });
      expect(await stored(owner.user.id)).toEqual({ email, email_verified: false });
      expect((await signIn(ctx.app, email, PASSWORD)).data?.signIn.user.id).toBe(owner.user.id);
      expect(await loginState(ctx.app, owner.accessToken)).toBe('AUTHENTICATED');
    });

    it('pendingEmail is null for anyone but the user themself (_entities)', async () => {
      const email = uniqueEmail();
      const social = await loggedIn(ctx.app, 'NAVER', fakes.naver, naver(email));
      const other = await signUp(ctx.app);
      const representations = [{ __typename: 'User', id: social.user.id }];
      type Entities = { _entities: Array<{ id: string; email: string | null; pendingEmail: string | null }> };
      for (const headers of [undefined, bearer(other.accessToken)]) {
        const response = await ctx.app.gql<Entities>(ENTITIES, { r: representations }, headers);
        expect(response.errors).toBeUndefined();
        expect(response.data!._entities).toEqual([{ id: social.user.id, email: null, pendingEmail: null }]);
      }
      const own = await ctx.app.gql<Entities>(ENTITIES, { r: representations }, bearer(social.accessToken));
      expect(own.data!._entities).toEqual([{ id: social.user.id, email: null, pendingEmail: email }]);
    });
  });

  describe('a Google login with the email of a password account', () => {
    it('verified through the link: Google links, the password stays and no session ends', async () => {
      const email = uniqueEmail();
      const laptop = await signUp(ctx.app, email);
      const phone = await signedIn(ctx.app, email);
      expect((await verify(await verificationLink(laptop.accessToken, email))).data).toEqual({ verifyEmail: true });

      const viaGoogle = await loggedIn(ctx.app, 'GOOGLE', fakes.google, google(email));
      expect(viaGoogle).toMatchObject({ isNewUser: false, user: { id: laptop.user.id, email, emailVerified: true, hasPassword: true, providers: ['GOOGLE'] } });
      for (const session of [laptop, phone]) expect(await loginState(ctx.app, session.accessToken)).toBe('AUTHENTICATED');
      expect(await refreshed(ctx.app, phone.refreshToken)).toMatchObject({ user: { id: laptop.user.id } });
      expect((await storedSessionIds(ctx.app, laptop.user.id)).sort()).toEqual([laptop, phone, viaGoogle].map((pair) => sessionIdOf(pair.refreshToken)).sort());
      expect((await signIn(ctx.app, email, PASSWORD)).data?.signIn.user).toMatchObject({ id: laptop.user.id, hasPassword: true, providers: ['GOOGLE'] });
      expect(await meOnce(laptop.accessToken, (m) => m.providers.length > 0)).toMatchObject({ hasPassword: true, providers: ['GOOGLE'], emailVerified: true });
      expect((await ctx.app.sql<{ password_hash: string | null }>('select password_hash from users where id = $1', [laptop.user.id]))[0]!.password_hash).toMatch(/^\$2/);
    });

    it('never verified (for contrast): the password goes and every session ends', async () => {
      const email = uniqueEmail();
      const laptop = await signUp(ctx.app, email);
      const viaGoogle = await loggedIn(ctx.app, 'GOOGLE', fakes.google, google(email));
      expect(viaGoogle).toMatchObject({ isNewUser: false, user: { id: laptop.user.id, emailVerified: true, hasPassword: false, providers: ['GOOGLE'] } });
      expect(await loginState(ctx.app, laptop.accessToken)).toBe('SESSION_REVOKED');
      expect(errorCode(await refresh(ctx.app, laptop.refreshToken))).toBe('INVALID_REFRESH_TOKEN');
      expect(errorCode(await signIn(ctx.app, email, PASSWORD))).toBe('INVALID_CREDENTIALS');
    });
  });
});
