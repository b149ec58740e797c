/** `npm run schema:print`: writes the subgraph SDL to schema.graphql (checked by test/schema.test.ts). */
import { writeFile } from 'node:fs/promises';
import { buildSubgraphSdl } from '../src/graphql/schema.js';
import { SCHEMA_FILE_HEADER } from '../src/graphql/schema-file.js';

await writeFile('schema.graphql', `${SCHEMA_FILE_HEADER}${await buildSubgraphSdl()}\n`);
process.stdout.write('wrote schema.graphql\n');
