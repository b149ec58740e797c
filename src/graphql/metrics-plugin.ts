import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { Metrics } from '../infra/metrics.js';

/**
 * Records each operation's latency and, per root field, its outcome: `ok` or the error code its
 * errors carry. Labels are field names from our schema, so their number is bounded.
 */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, response }) {
          const fields = rootFields(operation);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics.requestSeconds.observe({ field: fields[0]?.name ?? 'none' }, seconds);
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          for (const field of fields) {
            const error = errors.find((candidate) => candidate.path?.[0] === field.responseKey);
            metrics.outcomes.inc({ field: field.name, outcome: String(error?.extensions?.code ?? 'ok') });
          }
        },
      };
    },
  };
}

function rootFields(operation: OperationDefinitionNode | undefined): Array<{ name: string; responseKey: string }> {
  if (!operation) return [];
  return operation.selectionSet.selections.flatMap((selection) =>
    selection.kind === Kind.FIELD ? [{ name: selection.name.value, responseKey: selection.alias?.value ?? selection.name.value }] : [],
  );
}
