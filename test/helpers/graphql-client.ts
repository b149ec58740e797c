export interface GraphQLError {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown> & { code?: string };
}

export interface GraphQLResponse<T> {
  status: number;
  data: T | null | undefined;
  errors: GraphQLError[] | undefined;
  /** The raw response body, for "never in any response" checks. */
  text: string;
  headers: Headers;
}

/** POSTs one GraphQL operation as JSON, the way a client app would. */
export async function postGraphQL<T>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  const body = JSON.parse(text) as { data?: T | null; errors?: GraphQLError[] };
  return { status: response.status, data: body.data, errors: body.errors, text, headers: response.headers };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The code of the only error of a response; fails loudly when there is not exactly one. */
export function errorCode(response: GraphQLResponse<unknown>): string | undefined {
  if (response.errors?.length !== 1) throw new Error(`expected exactly one error, got ${response.text}`);
  return response.errors[0]!.extensions?.code;
}
