import type { ClientInfo } from '../../services/client-info.js';
import type { Login } from '../../services/login.js';

/**
 * One request's context: who is calling (decided once from the bearer token) and from where.
 * Everything else a resolver needs it gets by constructor.
 */
export interface GatewayContext {
  readonly login: Login;
  readonly client: ClientInfo;
}
