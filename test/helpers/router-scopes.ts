import type { ApolloServerPlugin } from '@apollo/server';
import { type DocumentNode, GraphQLError, type GraphQLSchema, Kind, parse, TypeInfo, visit, visitWithTypeInfo } from 'graphql';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/** Where a router verifies access tokens, as Apollo Router's JWT authentication is configured. */
export interface JwtSettings {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** The time tokens are judged at (epoch ms): the test clock of the gateway that issued them. */
  now: () => number;
}

/** `Type.field` → the scope sets of its `@requiresScopes` (any one set, all of its scopes). */
export type ScopeRequirements = Map<string, string[][]>;

/** The fields a supergraph marks `@requiresScopes`, read from its SDL. */
export function scopeRequirements(supergraphSdl: string): ScopeRequirements {
  const requirements: ScopeRequirements = new Map();
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const field of definition.fields ?? []) {
      const directive = field.directives?.find((d) => d.name.value === 'requiresScopes');
      const scopes = directive?.arguments?.find((a) => a.name.value === 'scopes')?.value;
      if (scopes?.kind !== Kind.LIST) continue;
      const sets = scopes.values.map((set) => (set.kind === Kind.LIST ? set.values.map((v) => (v.kind === Kind.STRING ? v.value : '')) : []));
      requirements.set(`${definition.name.value}.${field.name.value}`, sets);
    }
  }
  return requirements;
}

/**
 * Apollo Router's `@requiresScopes`, as far as these tests need it: an operation selecting a
 * field whose scope sets the bearer token's verified `scope` claim satisfies none of is refused
 * before any subgraph is asked (UNAUTHORIZED_FIELD_OR_TYPE). (The router itself removes just
 * those fields and answers the rest; refusing the whole operation is the stricter stand-in.)
 */
export function requiresScopesPlugin(requirements: () => ScopeRequirements, jwt: JwtSettings): ApolloServerPlugin<{ authorization?: string }> {
  const keys = createRemoteJWKSet(new URL(jwt.jwksUrl));
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, schema, contextValue }) {
          const needed = selectedRequirements(schema, document, requirements());
          if (needed.length === 0) return;
          const granted = await grantedScopes(contextValue.authorization, keys, jwt);
          if (!needed.every((sets) => sets.some((set) => set.every((scope) => granted.has(scope))))) {
            throw new GraphQLError('Unauthorized field or type', { extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } });
          }
        },
      };
    },
  };
}

function selectedRequirements(schema: GraphQLSchema, document: DocumentNode, requirements: ScopeRequirements): string[][][] {
  const found: string[][][] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const sets = parent && field ? requirements.get(`${parent.name}.${field.name}`) : undefined;
        if (sets) found.push(sets);
      },
    }),
  );
  return found;
}

async function grantedScopes(authorization: string | undefined, keys: ReturnType<typeof createRemoteJWKSet>, jwt: JwtSettings): Promise<Set<string>> {
  const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return new Set();
  try {
    const { payload } = await jwtVerify(token, keys, { issuer: jwt.issuer, audience: jwt.audience, typ: 'at+jwt', currentDate: new Date(jwt.now()) });
    return new Set(typeof payload.scope === 'string' ? payload.scope.split(' ') : []);
  } catch {
    return new Set();
  }
}
