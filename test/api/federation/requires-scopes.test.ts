import { PASSWORD, refreshed, signIn, signUp, uniqueEmail } from '../../helpers/accounts.js';
import { bearer } from '../../helpers/graphql-client.js';
import { challengeOf, codeAt, completeMfa, enrolTotp } from '../../helpers/second-factor.js';
import { useSupergraph } from '../../helpers/supergraph.js';

// A router that verifies our tokens through JWKS and enforces @requiresScopes, in front of our
// gateway and a profiles subgraph whose User.paymentNote demands the mfa scope.
const supergraph = useSupergraph({ enforceScopes: true });

const PAYMENT_NOTE = '{ me { id paymentNote } }';
type PaymentNote = { me: { id: string; paymentNote: string } | null };

describe("@requiresScopes(scopes: [[\"mfa\"]]) on another subgraph's field: the token's scope decides", () => {
  it('composes into a supergraph whose router would enforce @authenticated on me', () => {
    const sdl = supergraph.router.supergraphSdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)');
    expect(sdl).toMatch(/\n\s*me: User @join__field\(graph: AUTH\) @authenticated\n/);
  });

  it('the composed supergraph carries the requirement', () => {
    expect(supergraph.router.supergraphSdl).toMatch(/paymentNote: String! @join__field\(graph: PROFILES\) @requiresScopes\(scopes: \[\["mfa"\]\]\)/);
  });

  it("a password-only session (scope 'user') is refused the field, and its other fields still work", async () => {
    const account = await signUp(supergraph.router);
    const refused = await supergraph.router.gql<PaymentNote>(PAYMENT_NOTE, undefined, bearer(account.accessToken));
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    expect(JSON.stringify(refused.data ?? null)).not.toContain('Card of');
    const bio = await supergraph.router.gql<{ me: { bio: string } }>('{ me { bio } }', undefined, bearer(account.accessToken));
    expect(bio.data!.me.bio).toBe(`Bio of ${account.user.id}`);
    const rotated = await refreshed(supergraph.router, account.refreshToken);
    expect((await supergraph.router.gql(PAYMENT_NOTE, undefined, bearer(rotated.accessToken))).errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });

  it("a session that passed TOTP (scope 'user mfa') gets the field, and keeps it after a refresh", async () => {
    const email = uniqueEmail();
    const account = await signUp(supergraph.router, email);
    const { secret } = await enrolTotp(supergraph.app, account.accessToken);
    const challenge = challengeOf(await signIn(supergraph.router, email, PASSWORD));
    const session = (await completeMfa(supergraph.router, challenge.id, codeAt(supergraph.app, secret))).data!.completeMfa;
    const answer = await supergraph.router.gql<PaymentNote>(PAYMENT_NOTE, undefined, bearer(session.accessToken));
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.me).toEqual({ id: account.user.id, paymentNote: `Card of ${account.user.id}` });
    const rotated = await refreshed(supergraph.router, session.refreshToken);
    expect((await supergraph.router.gql<PaymentNote>(PAYMENT_NOTE, undefined, bearer(rotated.accessToken))).data!.me!.paymentNote).toBe(`Card of ${account.user.id}`);
  });

  it('no token, or a token whose signature was tampered with, is refused the field', async () => {
    expect((await supergraph.router.gql(PAYMENT_NOTE)).errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    const account = await signUp(supergraph.router);
    const [header, payload, signature] = account.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, scope: 'user mfa' })).toString('base64url')}.${signature}`;
    expect((await supergraph.router.gql(PAYMENT_NOTE, undefined, bearer(forged))).errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});
