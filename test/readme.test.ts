import { readFile } from 'node:fs/promises';
import { loadConfig } from '../src/config/config.js';
import { OAUTH_PROVIDERS as PROVIDERS } from '../src/config/oauth-config.js';

/** Every variable loadConfig reads, found by handing it an environment that records each read. */
function variablesReadByConfig(): string[] {
  const read = new Set<string>();
  const recorder = new Proxy({}, { get: (_target, name) => (typeof name === 'string' && read.add(name), undefined) });
  loadConfig(recorder);
  return [...read].sort();
}

describe('README', () => {
  it('documents exactly the variables the configuration reads', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Running against'));
    // A row may stand for one variable per provider: `OAUTH_<P>_CLIENT_ID`.
    const rows = [...section.matchAll(/^\| `([A-Z_<>]+)` \|/gm)].map((match) => match[1]!);
    const documented = rows.flatMap((name) => (name.includes('<P>') ? PROVIDERS.map((provider) => name.replace('<P>', provider)) : [name])).sort();
    expect(documented).toEqual(variablesReadByConfig());
  });
});
