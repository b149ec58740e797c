import { decodeJwt } from 'jose';
import { type GoogleProfile, startFakeGoogle } from '../../fakes/oauth/index.js';
import { errorCode } from '../../helpers/graphql-client.js';
import { approvedLogin, loggedIn, useProviderApps } from '../../helpers/oauth.js';
import { challengeOf, codeAt, completeMfa, enrolTotp } from '../../helpers/second-factor.js';

const { fake: google, apps } = await useProviderApps('google', startFakeGoogle);

let accounts = 0;
function account(): GoogleProfile {
  accounts += 1;
  return { sub: String(205_000_000_000_000_000_000n + BigInt(accounts)), email: `mfa.user${accounts}@gmail.com`, email_verified: true, name: `MFA User ${accounts}`, given_name: 'MFA' };
}

describe.each(['redis', 'postgres'] as const)('oauthLogin with TOTP on (%s sessions)', (store) => {
  it("the provider's word is the first step: MFA_REQUIRED, no tokens; completeMfa → amr [fed otp mfa] and scope 'user mfa'", async () => {
    const app = apps[store];
    const profile = account();
    const first = await loggedIn(app, 'GOOGLE', google, profile);
    expect(decodeJwt(first.accessToken)).toMatchObject({ amr: ['fed'], scope: 'user' });
    // A provider-only account has no password to confirm the enrolment with.
    const { secret } = await enrolTotp(app, first.accessToken, null);
    const { response } = await approvedLogin(app, 'GOOGLE', google, profile);
    expect(response.data).toBeNull();
    const challenge = challengeOf(response);
    expect(errorCode(await completeMfa(app, challenge.id, codeAt(app, secret, 10 * 30_000)))).toBe('INVALID_MFA_CODE');
    const payload = (await completeMfa(app, challenge.id, codeAt(app, secret))).data!.completeMfa;
    expect(payload.user.id).toBe(first.user.id);
    expect(decodeJwt(payload.accessToken)).toMatchObject({ sub: first.user.id, amr: ['fed', 'otp', 'mfa'], scope: 'user mfa' });
  });
});
