import { registerEnumType } from 'type-graphql';
import { OAUTH_PROVIDERS, type OAuthProviderName } from '../../config/oauth-config.js';
import { LoginState } from '../../services/login.js';

/** The providers the configuration knows, as a GraphQL enum: one list, so a new provider is one edit. */
export const OAuthProvider = Object.fromEntries(OAUTH_PROVIDERS.map((name) => [name, name])) as { readonly [P in OAuthProviderName]: P };
export type OAuthProvider = OAuthProviderName;

registerEnumType(OAuthProvider, { name: 'OAuthProvider', description: 'A social sign-in provider.' });

registerEnumType(LoginState, {
  name: 'LoginState',
  description: 'What the gateway decided about the Authorization header of this request.',
  valuesConfig: {
    AUTHORIZATION_NOT_FOUND: { description: 'No Authorization header, or an empty one.' },
    TOKEN_TYPE_MISMATCH: { description: 'A scheme other than Bearer.' },
    TOKEN_INVALID: { description: 'Malformed, bad signature, disallowed alg, wrong iss/aud/typ, or not an access token.' },
    TOKEN_EXPIRED: { description: 'Genuine, but past exp: refresh now.' },
    SESSION_REVOKED: { description: 'Genuine and unexpired, but its session was logged out, revoked or expired.' },
    AUTHENTICATED: { description: 'A live session.' },
  },
});
