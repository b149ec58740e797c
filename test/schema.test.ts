import { readFile } from 'node:fs/promises';
import { buildSubgraphSdl } from '../src/graphql/schema.js';
import { SCHEMA_FILE_HEADER } from '../src/graphql/schema-file.js';

describe('schema.graphql', () => {
  it('is up to date with the resolvers (regenerate with `npm run schema:print`)', async () => {
    const committed = await readFile(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(`${SCHEMA_FILE_HEADER}${await buildSubgraphSdl()}\n`);
  });

  it('declares the contract operations with their exact signatures', async () => {
    const sdl = await buildSubgraphSdl();
    for (const line of [
      'me: User',
      'loginState: LoginState!',
      'signUp(input: SignUpInput!): AuthPayload!',
      'signIn(input: SignInInput!): AuthPayload!',
      'refresh(refreshToken: String!): AuthPayload!',
      'logout(refreshToken: String, allDevices: Boolean = false): Boolean!',
      'type User @key(fields: "id")',
      'createdAt: DateTime!',
      'scalar DateTime',
    ]) {
      expect(sdl).toContain(line);
    }
  });
});
