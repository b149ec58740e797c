import './csp-nonce';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import { SANDBOX_EXAMPLE } from '../src/graphql/sandbox-example';
import { AuthPanel } from './auth-panel';
import './explorer.css';
import { ExplorerSession } from './session';

// Monaco's workers come from this server, built beside this bundle (classic workers). GraphiQL
// loads Monaco lazily, after this module has run.
(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    const file = label === 'graphql' ? 'graphql.worker.js' : label === 'json' ? 'json.worker.js' : 'editor.worker.js';
    return new Worker(`/explorer/${file}`, { name: label });
  },
};

const root = document.getElementById('root')!;
const endpoint = root.dataset.endpoint ?? '/graphql';
const session = new ExplorerSession(endpoint);
// One JSON answer per request (this API has no @defer): the session reads each answer for TOKEN_EXPIRED.
const fetcher = session.wrap(createGraphiQLFetcher({ url: endpoint, enableIncrementalDelivery: false }));

createRoot(root).render(
  <>
    <AuthPanel session={session} mailbox={root.dataset.mailbox ?? null} />
    <div className="explorer-main">
      <GraphiQL fetcher={fetcher} defaultQuery={SANDBOX_EXAMPLE} />
    </div>
  </>,
);
