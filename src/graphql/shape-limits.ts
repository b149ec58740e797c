import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin } from '@apollo/server';
import { type ASTVisitor, type FieldNode, GraphQLError, Kind, OperationTypeNode, type ParseOptions, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';

/**
 * The mutations that check a credential (a password, a mailed token, a second factor's code or
 * passkey) or issue tokens: brute force
 * and bcrypt work must come one per operation. `logout` counts when it carries a refresh token
 * (it checks one).
 */
const CREDENTIAL_MUTATIONS = new Set([
  'signIn',
  'signUp',
  'oauthLogin',
  'refresh',
  'changePassword',
  'resetPassword',
  'requestEmailChange',
  'deleteAccount',
  'verifyEmail',
  'confirmEmailChange',
  'completeMfa',
  'startTotpEnrollment',
  'confirmTotpEnrollment',
  'disableTotp',
  'startPasskeyRegistration',
  'finishPasskeySignIn',
]);
const isCredentialField = (field: FieldNode) =>
  CREDENTIAL_MUTATIONS.has(field.name.value) || (field.name.value === 'logout' && field.arguments?.some((argument) => argument.name.value === 'refreshToken') === true);

/**
 * Query-shape limits, checked at validation, before any resolver runs (graphql-armor, plus our
 * one-credential-mutation rule). Introspection is exempt from depth and cost, so Sandbox works.
 */
export const SHAPE_LIMITS = { maxAliases: 15, maxDepth: 10, maxCost: 5_000, maxTokens: 1_000, maxDirectives: 50 } as const;

export function shapeLimits(options: { production: boolean }): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
} {
  // In production the refusal does not say where the limits are.
  const exposeLimits = !options.production;
  const armor = new ApolloArmor({
    maxAliases: { n: SHAPE_LIMITS.maxAliases, exposeLimits },
    maxDepth: { n: SHAPE_LIMITS.maxDepth, exposeLimits },
    costLimit: { maxCost: SHAPE_LIMITS.maxCost, exposeLimits },
    // Counted by graphql-js's own parser instead (below): armor's token plugin re-parses in a
    // plugin hook, which turns a plain syntax error into an HTTP 500.
    maxTokens: { enabled: false },
    maxDirectives: { n: SHAPE_LIMITS.maxDirectives, exposeLimits },
    blockFieldSuggestion: { enabled: options.production },
  }).protect();
  return {
    // graphql-armor's typings name @apollo/server's CommonJS build; the plugin objects are the same.
    plugins: armor.plugins as unknown as ApolloServerPlugin[],
    validationRules: [...armor.validationRules, oneCredentialMutation],
    parseOptions: { maxTokens: SHAPE_LIMITS.maxTokens },
  };
}

/** At most one credential mutation per operation: 15 aliased signIn in one document are refused whole. */
function oneCredentialMutation(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      if (operation.operation !== OperationTypeNode.MUTATION) return;
      if (credentialFields(operation.selectionSet, context, new Set()) > 1) {
        context.reportError(
          new GraphQLError(`At most one of ${[...CREDENTIAL_MUTATIONS].join(', ')}, logout(refreshToken:) may run per operation.`, { nodes: [operation] }),
        );
      }
    },
  };
}

function credentialFields(selectionSet: SelectionSetNode, context: ValidationContext, seenFragments: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) count += isCredentialField(selection) ? 1 : 0;
    else if (selection.kind === Kind.INLINE_FRAGMENT) count += credentialFields(selection.selectionSet, context, seenFragments);
    else if (!seenFragments.has(selection.name.value)) {
      seenFragments.add(selection.name.value);
      const fragment = context.getFragment(selection.name.value);
      if (fragment) count += credentialFields(fragment.selectionSet, context, seenFragments);
    }
  }
  return count;
}
