import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { AuthError } from '../errors/auth-error.js';
import type { Metrics } from '../infra/metrics.js';

/**
 * Records each operation's latency and, per root field, its outcome: `ok` or the error code its
 * errors carry; and which store an outage came from. Labels are field names from our schema and
 * store names from our code, so their number is bounded.
 */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          // Once per operation and store, however many of its fields the outage failed.
          const stores = new Set(errors.map((error) => error.originalError).flatMap((cause) => (cause instanceof AuthError && cause.store ? [cause.store] : [])));
          for (const store of stores) metrics.storeErrors.inc({ store });
        },
        async willSendResponse({ operation, response }) {
          const fields = rootFields(operation);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.requestSeconds.observe({ field: fields[0]?.name ?? 'none' }, seconds);
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          for (const field of fields) {
            const error = errors.find((candidate) => candidate.path?.[0] === field.responseKey);
            const code = error?.extensions?.code;
            metrics.outcomes.inc({ field: field.name, outcome: typeof code === 'string' ? code : 'ok' });
          }
        },
      };
    },
  };
}

type RootField = { name: string; responseKey: string };

// Apollo keeps each parsed document, so a client's repeated operation is the same node each time.
const rootFieldsOf = new WeakMap<OperationDefinitionNode, RootField[]>();

function rootFields(operation: OperationDefinitionNode | undefined): RootField[] {
  if (!operation) return [];
  let fields = rootFieldsOf.get(operation);
  if (!fields) {
    fields = operation.selectionSet.selections.flatMap((selection) =>
      selection.kind === Kind.FIELD ? [{ name: selection.name.value, responseKey: selection.alias?.value ?? selection.name.value }] : [],
    );
    rootFieldsOf.set(operation, fields);
  }
  return fields;
}
