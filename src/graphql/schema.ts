import 'reflect-metadata';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { GraphQLObjectType, type GraphQLSchema, parse, print, visit } from 'graphql';
import { buildSchema, type ContainerType, createResolversMap } from 'type-graphql';
import { badInput } from '../errors/auth-error.js';
import type { AccountDeletion } from '../services/account-deletion.js';
import type { EmailChange } from '../services/email-change.js';
import type { EmailVerification } from '../services/email-verification.js';
import { viewerOf } from '../services/login.js';
import type { Logout } from '../services/logout.js';
import type { OAuthLogin } from '../services/oauth-login.js';
import type { PasswordAuth } from '../services/password-auth.js';
import type { PasswordChange } from '../services/password-change.js';
import type { PasswordReset } from '../services/password-reset.js';
import type { Passkeys } from '../services/passkeys.js';
import type { SecondFactor } from '../services/second-factor.js';
import type { SecondStep } from '../services/second-step.js';
import type { Sessions } from '../services/sessions.js';
import type { TokenRefresh } from '../services/token-refresh.js';
import type { UserProfile } from '../services/user-profile.js';
import type { UserProfiles } from '../services/user-profiles.js';
import type { GatewayContext } from './context/context.js';
import { AccountResolver } from './resolvers/account-resolver.js';
import { EmailAccountResolver } from './resolvers/email-account-resolver.js';
import { OAuthResolver } from './resolvers/oauth-resolver.js';
import { SecondFactorResolver } from './resolvers/second-factor-resolver.js';
import { SessionResolver } from './resolvers/session-resolver.js';
import { DateTimeScalar } from './types/date-time.js';
// Registers the enums (OAuthProvider, LoginState, MfaMethod) before any schema is built.
import './types/enums.js';
import './types/second-factor-types.js';
import { toUserView } from './types/mappers.js';

const RESOLVER_CLASSES = [AccountResolver, EmailAccountResolver, OAuthResolver, SessionResolver, SecondFactorResolver] as const;

/** The services the API calls: the resolvers get them by constructor. */
export interface ApiServices {
  passwordAuth: PasswordAuth;
  oauthLogin: OAuthLogin;
  sessions: Sessions;
  tokenRefresh: TokenRefresh;
  logout: Logout;
  profiles: UserProfiles;
  emailVerification: EmailVerification;
  passwordReset: PasswordReset;
  passwordChange: PasswordChange;
  emailChange: EmailChange;
  accountDeletion: AccountDeletion;
  secondFactor: SecondFactor;
  secondStep: SecondStep;
  passkeys: Passkeys;
}

// Federation 2.5: `@authenticated` and `@requiresScopes` let a router enforce access before a
// request reaches any subgraph; this subgraph still checks every request itself.
const AUTH_DIRECTIVES = ['authenticated', 'requiresScopes'];
const federationLink = (authDirectives: boolean) =>
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: [${['key', 'shareable', ...(authDirectives ? AUTH_DIRECTIVES : [])].map((name) => `"@${name}"`).join(', ')}])`;

/**
 * Whether the SDL carries `@authenticated` and `@requiresScopes` (FEDERATION_AUTH_DIRECTIVES):
 * without them a router that cannot enforce them (@apollo/gateway refuses `for: SECURITY`
 * features) composes this subgraph; the resolvers enforce sign-in all the same.
 */
export interface SdlOptions {
  authDirectives: boolean;
}

/** No resolver instances: enough to print the SDL, not to run it. */
const NO_RESOLVERS: ContainerType = { get: () => undefined };

/**
 * type-graphql's schema. Resolver instances come from `container`: type-graphql reads it while it
 * builds, so each gateway's schema calls its own instances (tests run several gateways in one process).
 */
function buildTypeSchema(container: ContainerType): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...RESOLVER_CLASSES],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    container,
    // Input rules live in the services' credential policy, one place for every entry point.
    validate: false,
    skipCheck: true,
  });
}

/** The subgraph SDL: type-graphql's schema with the federation @link. schema.graphql holds the default one. */
function subgraphSdl(typeSchema: GraphQLSchema, options: SdlOptions): string {
  const printed = printSchemaWithDirectives(typeSchema);
  const types = options.authDirectives ? printed : print(visit(parse(printed), { Directive: (node) => (AUTH_DIRECTIVES.includes(node.name.value) ? null : undefined) }));
  return `${federationLink(options.authDirectives)}\n\n${types}`;
}

export async function buildSubgraphSdl(options: SdlOptions = { authDirectives: true }): Promise<string> {
  return subgraphSdl(await buildTypeSchema(NO_RESOLVERS), options);
}

/** The users an `_entities` request asks for, loaded together before each is resolved. */
const entityUsers = new WeakMap<object, Promise<Map<string, UserProfile | null>>>();

/**
 * The executable federation subgraph: type-graphql's resolvers plus `User` resolved by reference.
 * `_entities` takes at most `maxRepresentations` per request, and loads their users in one query.
 */
export async function buildGatewaySchema(services: ApiServices, options: { maxRepresentations: number } & SdlOptions): Promise<GraphQLSchema> {
  const instances = new Map<unknown, unknown>([
    [AccountResolver, new AccountResolver(services.passwordAuth, services.profiles)],
    [EmailAccountResolver, new EmailAccountResolver(services.emailVerification, services.passwordReset, services.passwordChange, services.emailChange, services.accountDeletion)],
    [OAuthResolver, new OAuthResolver(services.oauthLogin)],
    [SessionResolver, new SessionResolver(services.sessions, services.tokenRefresh, services.logout)],
    [SecondFactorResolver, new SecondFactorResolver(services.secondFactor, services.secondStep, services.passkeys)],
  ]);
  const typeSchema = await buildTypeSchema({ get: (resolverClass) => instances.get(resolverClass) });
  const typeResolvers = withoutPlainFieldResolvers(typeSchema, createResolversMap(typeSchema));
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(subgraphSdl(typeSchema, options)),
      resolvers: {
        ...typeResolvers,
        User: {
          async __resolveReference(reference: { id: unknown }, ctx: GatewayContext) {
            // Loaded by boundEntities, which sees every User representation before this runs.
            const user = (await entityUsers.get(ctx)!).get(String(reference.id));
            return user ? toUserView(user, viewerOf(ctx.login)) : null;
          },
        },
      } as never,
    },
  ]);
  boundEntities(schema, services.profiles, options.maxRepresentations);
  return schema;
}

/**
 * Representations arrive as variables, so neither the token count nor the cost limit sees them:
 * the number is checked here, before any is resolved, and their users are read in one query.
 */
function boundEntities(schema: GraphQLSchema, profiles: UserProfiles, maxRepresentations: number): void {
  const field = schema.getQueryType()!.getFields()._entities!;
  const resolve = field.resolve!;
  field.resolve = (source, args: { representations: Array<{ __typename?: unknown; id?: unknown }> }, ctx: GatewayContext, info) => {
    if (args.representations.length > maxRepresentations) {
      throw badInput('representations', `At most ${maxRepresentations} representations may be resolved per request.`);
    }
    const ids = args.representations.filter((rep) => rep.__typename === 'User').map((rep) => String(rep.id));
    if (ids.length > 0) {
      const loading = profiles.findMany(ids);
      // Each reference awaits it and reports a failure; none may go unhandled meanwhile.
      loading.catch(() => undefined);
      entityUsers.set(ctx, loading);
    }
    return resolve(source, args, ctx, info);
  };
}

/**
 * type-graphql resolves every field of an object type through a wrapper of its own. Ours are
 * plain views filled by mappers (no field resolvers), so graphql-js's default resolver reads them
 * just as well, without a wrapper call per field (`me` has seven). Root types keep theirs.
 */
function withoutPlainFieldResolvers(schema: GraphQLSchema, resolvers: ReturnType<typeof createResolversMap>) {
  const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name]);
  return Object.fromEntries(Object.entries(resolvers).filter(([name]) => roots.has(name) || !(schema.getType(name) instanceof GraphQLObjectType)));
}
