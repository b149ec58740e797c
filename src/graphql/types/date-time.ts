import { GraphQLScalarType } from 'graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';

/**
 * The contract's `DateTime`: an ISO-8601 string (graphql-scalars' DateTimeISO under that name).
 * Our resolvers hand it valid Dates, which go straight to toISOString; anything else takes
 * graphql-scalars' checks.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...GraphQLDateTimeISO.toConfig(),
  name: 'DateTime',
  description: 'An ISO-8601 date-time string, e.g. 2026-01-31T09:30:00.000Z.',
  specifiedByURL: undefined,
  serialize: (value) => (value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : GraphQLDateTimeISO.serialize(value)),
});
