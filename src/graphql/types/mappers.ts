import type { SignedIn } from '../../services/signed-in.js';
import type { DeviceSession } from '../../services/device-session.js';
import { MFA_METHODS } from '../../services/factor-codes.js';
import type { TokenPair } from '../../services/token-pair.js';
import type { UserProfile } from '../../services/user-profile.js';
import { AuthPayload } from './auth-payload.js';
import { SessionView } from './session-view.js';
import { UserView } from './user-view.js';

/** The GraphQL view of a user; the email only when the viewer is that user. */
export function toUserView(user: UserProfile, viewerId: string | null): UserView {
  return Object.assign(new UserView(), {
    id: user.id,
    email: viewerId === user.id ? user.email : null,
    emailVerified: user.emailVerified,
    nickname: user.nickname,
    providers: user.providers,
    hasPassword: user.hasPassword,
    createdAt: user.createdAt,
    pendingEmail: viewerId === user.id ? user.pendingEmail : null,
    mfaEnabled: viewerId === user.id && user.mfaEnabled,
    mfaMethods: viewerId === user.id && user.mfaEnabled ? [...MFA_METHODS] : [],
  });
}

export function toAuthPayload(user: UserProfile, tokens: TokenPair, isNewUser: boolean, deviceToken: string | null = null): AuthPayload {
  return Object.assign(new AuthPayload(), {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: 'Bearer',
    expiresIn: tokens.expiresIn,
    refreshExpiresIn: tokens.refreshExpiresIn,
    user: toUserView(user, tokens.userId),
    isNewUser,
    deviceToken,
  });
}

export function signedInPayload(result: SignedIn): AuthPayload {
  return toAuthPayload(result.user, result.tokens, result.isNewUser, result.deviceToken ?? null);
}

export function toSessionView(session: DeviceSession, currentSessionId: string): SessionView {
  return Object.assign(new SessionView(), {
    id: session.id,
    createdAt: new Date(session.createdAt),
    lastUsedAt: new Date(session.lastUsedAt),
    expiresAt: new Date(session.expiresAt),
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === currentSessionId,
  });
}
