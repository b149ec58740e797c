import { decodeJwt } from 'jose';
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import type { Page } from 'playwright-core';
import { loginState, PASSWORD, signUp } from '../../helpers/accounts.js';
import { useBrowser } from '../../helpers/browser.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { openWithAuthenticator, startPasskeyPage } from '../../helpers/passkey-page.js';
import type { RunningServer } from '../../helpers/profile-subgraph.js';
import { codeAt, enrolTotp } from '../../helpers/second-factor.js';
import { createTestApp, type StoreKind, type TestApp } from '../../helpers/test-app.js';

const START_REGISTRATION = 'mutation($password: String, $code: String) { startPasskeyRegistration(password: $password, code: $code) }';
const FINISH_REGISTRATION = 'mutation($response: JSONObject!, $name: String) { finishPasskeyRegistration(response: $response, name: $name) { id name synced createdAt lastUsedAt } }';
const START_SIGN_IN = 'mutation { startPasskeySignIn }';
const FINISH_SIGN_IN = 'mutation($response: JSONObject!) { finishPasskeySignIn(response: $response) { accessToken refreshToken user { id email } } }';
const PASSKEYS = '{ passkeys { id name synced lastUsedAt } }';
const REMOVE = 'mutation($id: ID!) { removePasskey(id: $id) }';

interface GqlAnswer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ extensions?: { code?: string } }>;
}

/** In the page: startPasskeyRegistration, the browser's ceremony, then nothing sent back: the attestation. */
function createCredential(page: Page, graphql: string, token: string, proof: { password?: string; code?: string } = { password: PASSWORD }) {
  return page.evaluate(
    async ({ graphql, token, proof, query }) => {
      const started = (await gql(graphql, query, proof, token)) as GqlAnswer;
      if (!started.data) return { error: started };
      const optionsJSON = started.data.startPasskeyRegistration as PublicKeyCredentialCreationOptionsJSON;
      return { response: await SimpleWebAuthnBrowser.startRegistration({ optionsJSON }) };
    },
    { graphql, token, proof, query: START_REGISTRATION },
  );
}

/** In the page: startPasskeySignIn, then the browser's ceremony; the assertion, not sent yet. */
function getAssertion(page: Page, graphql: string) {
  return page.evaluate(
    async ({ graphql, query }) => {
      const started = (await gql(graphql, query, {})) as GqlAnswer;
      return SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: started.data!.startPasskeySignIn as PublicKeyCredentialRequestOptionsJSON });
    },
    { graphql, query: START_SIGN_IN },
  );
}

/** In the page, as an app's sign-in button would: the whole discoverable sign-in, no email typed. */
function signInWithPasskey(page: Page, graphql: string): Promise<GqlAnswer> {
  return page.evaluate(
    async ({ graphql, start, finish }) => {
      const started = (await gql(graphql, start, {})) as GqlAnswer;
      const response = await SimpleWebAuthnBrowser.startAuthentication({ optionsJSON: started.data!.startPasskeySignIn as PublicKeyCredentialRequestOptionsJSON });
      return (await gql(graphql, finish, { response })) as GqlAnswer;
    },
    { graphql, start: START_SIGN_IN, finish: FINISH_SIGN_IN },
  );
}

declare global {
  // The test page's globals (test/helpers/passkey-page.ts).
  function gql(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<unknown>;
  const SimpleWebAuthnBrowser: typeof import('@simplewebauthn/browser');
}

const browserFor = useBrowser();
let pageServer: RunningServer & { origin: string };
beforeAll(async () => {
  pageServer = await startPasskeyPage();
});
afterAll(() => pageServer?.stop());

describe.each<StoreKind>(['redis', 'postgres'])('passkeys in a real browser (sessions in %s)', (store) => {
  let app: TestApp;
  let graphql: string;
  beforeAll(async () => {
    const origin = pageServer.origin;
    app = await createTestApp({ CORS_ORIGINS: origin, WEBAUTHN_ORIGINS: origin, WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_RP_NAME: 'Example App' }, { store });
    graphql = `${app.url.replace('127.0.0.1', 'localhost')}/graphql`;
  });
  afterAll(() => app?.close());

  async function withPage<T>(work: (page: Page) => Promise<T>, synced = false): Promise<T> {
    const context = await browserFor.browser.newContext();
    try {
      return await work(await openWithAuthenticator(context, pageServer.url, { synced }));
    } finally {
      await context.close();
    }
  }

  it("registers a device-bound passkey, lists it, and signs in with it without an email: amr [hwk mfa], scope 'user mfa'", async () => {
    const user = await signUp(app);
    await withPage(async (page) => {
      const created = await createCredential(page, graphql, user.accessToken);
      expect(created.error).toBeUndefined();
      const finished = await app.gql<{ finishPasskeyRegistration: { id: string; name: string; synced: boolean } }>(FINISH_REGISTRATION, { response: created.response, name: 'Laptop' }, bearer(user.accessToken));
      expect(finished.errors).toBeUndefined();
      expect(finished.data!.finishPasskeyRegistration).toMatchObject({ id: created.response!.id, name: 'Laptop', synced: false });
      const listed = await app.gql<{ passkeys: Array<{ id: string; lastUsedAt: string | null }> }>(PASSKEYS, undefined, bearer(user.accessToken));
      expect(listed.data!.passkeys).toEqual([{ id: created.response!.id, name: 'Laptop', synced: false, lastUsedAt: null }]);

      const signedIn = await signInWithPasskey(page, graphql);
      expect(signedIn.errors).toBeUndefined();
      const payload = signedIn.data!.finishPasskeySignIn as { accessToken: string; user: { id: string } };
      expect(payload.user.id).toBe(user.user.id);
      expect(decodeJwt(payload.accessToken)).toMatchObject({ sub: user.user.id, amr: ['hwk', 'mfa'], scope: 'user mfa' });
      expect(await loginState(app, payload.accessToken)).toBe('AUTHENTICATED');
      const used = await app.gql<{ passkeys: Array<{ lastUsedAt: string | null }> }>(PASSKEYS, undefined, bearer(user.accessToken));
      expect(used.data!.passkeys[0]!.lastUsedAt).not.toBeNull();
    });
  });

  it("a synced passkey (backed up, as password managers make them) → amr [swk mfa], shown as synced", async () => {
    const user = await signUp(app);
    await withPage(async (page) => {
      const created = await createCredential(page, graphql, user.accessToken);
      const finished = await app.gql<{ finishPasskeyRegistration: { synced: boolean; name: string } }>(FINISH_REGISTRATION, { response: created.response }, bearer(user.accessToken));
      expect(finished.data!.finishPasskeyRegistration).toMatchObject({ synced: true, name: 'Passkey 1' });
      const signedIn = await signInWithPasskey(page, graphql);
      expect(decodeJwt((signedIn.data!.finishPasskeySignIn as { accessToken: string }).accessToken)).toMatchObject({ amr: ['swk', 'mfa'] });
    }, true);
  });

  it('an assertion is good once: replayed → INVALID_PASSKEY_CHALLENGE; a tampered signature → INVALID_CREDENTIALS', async () => {
    const user = await signUp(app);
    await withPage(async (page) => {
      const created = await createCredential(page, graphql, user.accessToken);
      await app.gql(FINISH_REGISTRATION, { response: created.response }, bearer(user.accessToken));
      const assertion = await getAssertion(page, graphql);
      expect((await app.gql(FINISH_SIGN_IN, { response: assertion })).errors).toBeUndefined();
      expect(errorCode(await app.gql(FINISH_SIGN_IN, { response: assertion }))).toBe('INVALID_PASSKEY_CHALLENGE');
      const fresh = await getAssertion(page, graphql);
      const signature = Buffer.from(fresh.response.signature, 'base64url');
      signature[signature.length - 1]! ^= 0xff;
      const tampered = { ...fresh, response: { ...fresh.response, signature: signature.toString('base64url') } };
      expect(errorCode(await app.gql(FINISH_SIGN_IN, { response: tampered }))).toBe('INVALID_CREDENTIALS');
    });
  });

  it('registration needs the password (INVALID_CREDENTIALS) and, with TOTP on, a code (INVALID_MFA_CODE); a challenge lives 5 minutes', async () => {
    const user = await signUp(app);
    expect(errorCode(await app.gql(START_REGISTRATION, { password: 'wrong' }, bearer(user.accessToken)))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await app.gql(START_REGISTRATION, {}))).toBe('UNAUTHENTICATED');
    await withPage(async (page) => {
      const created = await createCredential(page, graphql, user.accessToken);
      app.clock.advance(5 * 60_000 + 1_000);
      expect(errorCode(await app.gql(FINISH_REGISTRATION, { response: created.response }, bearer(user.accessToken)))).toBe('INVALID_PASSKEY_CHALLENGE');
      expect((await app.gql<{ passkeys: unknown[] }>(PASSKEYS, undefined, bearer(user.accessToken))).data!.passkeys).toEqual([]);
    });
    const { secret } = await enrolTotp(app, user.accessToken);
    expect(errorCode(await app.gql(START_REGISTRATION, { password: PASSWORD }, bearer(user.accessToken)))).toBe('INVALID_MFA_CODE');
    expect((await app.gql(START_REGISTRATION, { password: PASSWORD, code: codeAt(app, secret) }, bearer(user.accessToken))).errors).toBeUndefined();
  });

  it("another user's registration challenge → INVALID_PASSKEY_CHALLENGE, nothing kept", async () => {
    const owner = await signUp(app);
    const intruder = await signUp(app);
    await withPage(async (page) => {
      const created = await createCredential(page, graphql, owner.accessToken);
      expect(errorCode(await app.gql(FINISH_REGISTRATION, { response: created.response }, bearer(intruder.accessToken)))).toBe('INVALID_PASSKEY_CHALLENGE');
      expect(await app.sql('select 1 from passkeys where id = $1', [created.response!.id])).toEqual([]);
    });
  });

  it('a removed passkey no longer signs in (INVALID_CREDENTIALS); removing another user\'s passkey → false', async () => {
    const user = await signUp(app);
    const stranger = await signUp(app);
    await withPage(async (page) => {
      const created = await createCredential(page, graphql, user.accessToken);
      await app.gql(FINISH_REGISTRATION, { response: created.response }, bearer(user.accessToken));
      expect((await app.gql(REMOVE, { id: created.response!.id }, bearer(stranger.accessToken))).data).toEqual({ removePasskey: false });
      expect((await app.gql(REMOVE, { id: created.response!.id }, bearer(user.accessToken))).data).toEqual({ removePasskey: true });
      expect((await signInWithPasskey(page, graphql)).errors?.[0]?.extensions?.code).toBe('INVALID_CREDENTIALS');
    });
  });

  it('a response that is not WebAuthn JSON → BAD_USER_INPUT naming response', async () => {
    const user = await signUp(app);
    const answer = await app.gql(FINISH_REGISTRATION, { response: { id: 'x' } }, bearer(user.accessToken));
    expect(errorCode(answer)).toBe('BAD_USER_INPUT');
    expect(answer.errors![0]!.extensions!.field).toBe('response');
  });
});
