const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUID columns: anything else cannot exist, and must not reach PostgreSQL as a type error. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
