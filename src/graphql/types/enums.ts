import { registerEnumType } from 'type-graphql';
import { LoginState } from '../context/login-state.js';

export enum OAuthProvider {
  GOOGLE = 'GOOGLE',
  NAVER = 'NAVER',
  KAKAO = 'KAKAO',
}

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

export { LoginState };
