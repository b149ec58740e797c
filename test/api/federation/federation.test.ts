import { signUp } from '../../helpers/accounts.js';
import { bearer } from '../../helpers/graphql-client.js';
import { createTestApp, type TestApp } from '../../helpers/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app?.close());

const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email nickname hasPassword } } }';

describe('federation subgraph', () => {
  it('serves its SDL with the federation link and User @key', async () => {
    const response = await app.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(response.data!._service.sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.5"');
    expect(response.data!._service.sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
  });

  it('resolves User by reference, showing the email only to the user themself', async () => {
    const owner = await signUp(app);
    const other = await signUp(app);
    const representations = [{ __typename: 'User', id: owner.user.id }];
    type Entities = { _entities: Array<{ id: string; email: string | null; nickname: string } | null> };

    const anonymous = await app.gql<Entities>(ENTITIES, { r: representations });
    expect(anonymous.data!._entities[0]).toMatchObject({ id: owner.user.id, email: null, nickname: 'Tester', hasPassword: true });

    const byOther = await app.gql<Entities>(ENTITIES, { r: representations }, bearer(other.accessToken));
    expect(byOther.data!._entities[0]!.email).toBeNull();

    const byOwner = await app.gql<Entities>(ENTITIES, { r: representations }, bearer(owner.accessToken));
    expect(byOwner.data!._entities[0]!.email).toBe(owner.user.email);
  });

  it('resolves an unknown or malformed id to null without an error', async () => {
    const response = await app.gql<{ _entities: unknown[] }>(ENTITIES, {
      r: [{ __typename: 'User', id: '00000000-0000-4000-8000-000000000000' }, { __typename: 'User', id: 'not-a-uuid' }],
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toEqual([null, null]);
  });
});
