import { buildSubgraphSdl } from '../../../src/graphql/schema.js';
import { signUp } from '../../helpers/accounts.js';
import { bearer, errorCode } from '../../helpers/graphql-client.js';
import { useSupergraph } from '../../helpers/supergraph.js';

// Our gateway as the "auth" subgraph (FEDERATION_AUTH_DIRECTIVES=false), next to a small
// "profiles" subgraph, composed as they are by @apollo/gateway and served by a router stand-in
// that forwards the Authorization header.
const supergraph = useSupergraph();

const ME = '{ me { id email bio lastSeenBy } }';
type Me = { me: { id: string; email: string | null; bio: string; lastSeenBy: string | null } | null };

const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email nickname } } }';
type Entities = { _entities: Array<{ id: string; email: string | null; nickname: string } | null> };

describe('supergraph: our subgraph composed with a profiles subgraph behind a router', () => {
  it('passes signUp through the router and joins me with the profiles subgraph, forwarding the Bearer header', async () => {
    const account = await signUp(supergraph.router);
    expect(account.tokenType).toBe('Bearer');

    const header = bearer(account.accessToken);
    const response = await supergraph.router.gql<Me>(ME, undefined, header);
    expect(response.errors).toBeUndefined();
    expect(response.data!.me).toEqual({
      id: account.user.id,
      email: account.user.email,
      bio: `Bio of ${account.user.id}`,
      lastSeenBy: header.authorization,
    });
  });

  it('answers me without an Authorization header with UNAUTHENTICATED and loginState AUTHORIZATION_NOT_FOUND', async () => {
    const response = await supergraph.router.gql<Me>(ME);
    expect(errorCode(response)).toBe('UNAUTHENTICATED');
    expect(response.errors![0]!.extensions!.loginState).toBe('AUTHORIZATION_NOT_FOUND');
    // Our subgraph's own check answered (the router stand-in enforces no directive itself).
    expect(response.errors![0]!.extensions!.serviceName).toBe('auth');
    expect(response.data?.me ?? null).toBeNull();
  });

  it("shows a User's email through our _entities only to the user themself", async () => {
    const owner = await signUp(supergraph.router);
    const other = await signUp(supergraph.router);
    const representations = [{ __typename: 'User', id: owner.user.id }];

    const anonymous = await supergraph.app.gql<Entities>(ENTITIES, { r: representations });
    expect(anonymous.errors).toBeUndefined();
    expect(anonymous.data!._entities[0]).toEqual({ id: owner.user.id, email: null, nickname: 'Tester' });

    const byOther = await supergraph.app.gql<Entities>(ENTITIES, { r: representations }, bearer(other.accessToken));
    expect(byOther.errors).toBeUndefined();
    expect(byOther.data!._entities[0]).toEqual({ id: owner.user.id, email: null, nickname: 'Tester' });

    const byOwner = await supergraph.app.gql<Entities>(ENTITIES, { r: representations }, bearer(owner.accessToken));
    expect(byOwner.errors).toBeUndefined();
    expect(byOwner.data!._entities[0]).toEqual({ id: owner.user.id, email: owner.user.email, nickname: 'Tester' });
  });
});

describe('FEDERATION_AUTH_DIRECTIVES=false: what @apollo/gateway composes', () => {
  it('our SDL as served links no auth directive and marks no field with one', async () => {
    const response = await supergraph.app.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const sdl = response.data!._service.sdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable"])');
    expect(sdl).not.toMatch(/@authenticated|@requiresScopes/);
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
  });

  it('the supergraph, composed from it unmodified, links no SECURITY feature', () => {
    expect(supergraph.router.supergraphSdl).toMatch(/me: User @join__field\(graph: AUTH\)\n/);
    expect(supergraph.router.supergraphSdl).not.toContain('for: SECURITY');
  });
});

describe('our subgraph SDL by default (FEDERATION_AUTH_DIRECTIVES=true)', () => {
  let sdl: string;
  beforeAll(async () => {
    sdl = await buildSubgraphSdl();
  });

  /** The definition of one field of a type in the SDL, from its name up to the next field or the closing brace. */
  function fieldDefinition(typeName: string, fieldName: string): string {
    const body = new RegExp(`type ${typeName}\\b[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(sdl)?.[1];
    if (body === undefined) throw new Error(`no type ${typeName} in the SDL:\n${sdl}`);
    // A field starts a line (after indentation); description strings are skipped by requiring the name.
    const field = new RegExp(`^\\s*${fieldName}\\b[^\\n]*`, 'm').exec(body)?.[0];
    if (field === undefined) throw new Error(`no field ${typeName}.${fieldName} in the SDL:\n${sdl}`);
    return field;
  }

  it('keys User by id', () => {
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
  });

  it('links the federation spec importing @authenticated and @requiresScopes', () => {
    const link = /@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.(\d+)"[^)]*\)/.exec(sdl);
    expect(link).not.toBeNull();
    expect(Number(link![1])).toBeGreaterThanOrEqual(5);
    expect(link![0]).toContain('"@authenticated"');
    expect(link![0]).toContain('"@requiresScopes"');
  });

  it.each([
    ['Query', 'me'],
    ['Query', 'sessions'],
    ['Mutation', 'revokeSession'],
  ])('marks %s.%s @authenticated', (typeName, fieldName) => {
    expect(fieldDefinition(typeName, fieldName)).toContain('@authenticated');
  });
});
