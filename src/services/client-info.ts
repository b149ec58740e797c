/** Who is asking, as far as the HTTP request tells: kept with sessions and audit events. */
export interface ClientInfo {
  userAgent: string | null;
  ip: string | null;
  /** The Accept-Language header: the language of any mail the request sends. */
  acceptLanguage?: string | null;
}
