import { Migration } from '@mikro-orm/migrations';

export class Migration20261129003821_ProfileChangesAuditTrailDisabledUsers extends Migration {

  override name = 'Migration20261129003821_ProfileChangesAuditTrailDisabledUsers';

  override up(): void | Promise<void> {
    this.addSql(`create table "audit_events" ("id" bigserial primary key, "at" timestamptz not null, "type" text not null, "user_id" uuid null, "session_id" uuid null, "ip" text null, "user_agent" text null, "detail" jsonb null);`);
    this.addSql(`create index "audit_events_at_index" on "audit_events" ("at");`);
    this.addSql(`create index "audit_events_user_id_at_index" on "audit_events" ("user_id", "at");`);

    this.addSql(`alter table "users" add "disabled_at" timestamptz null;`);
    this.addSql(`create or replace function "users_announce_user_change_fn"() returns trigger as \$\$ begin perform pg_notify('auth_revocations', 'c ' || coalesce(new.id, old.id)::text); if tg_op = 'UPDATE' and new.id is distinct from old.id then perform pg_notify('auth_revocations', 'c ' || old.id::text); end if; return null; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "announce_user_change" AFTER UPDATE on "users" for each ROW execute function "users_announce_user_change_fn"();`);

    this.addSql(`create or replace function "oauth_identities_announce_user_change_fn"() returns trigger as \$\$ begin perform pg_notify('auth_revocations', 'c ' || coalesce(new.user_id, old.user_id)::text); if tg_op = 'UPDATE' and new.user_id is distinct from old.user_id then perform pg_notify('auth_revocations', 'c ' || old.user_id::text); end if; return null; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "announce_user_change" AFTER INSERT OR UPDATE OR DELETE on "oauth_identities" for each ROW execute function "oauth_identities_announce_user_change_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "audit_events" cascade;`);

    this.addSql(`drop trigger if exists "announce_user_change" on "oauth_identities";`);
    this.addSql(`drop function if exists "oauth_identities_announce_user_change_fn"();`);

    this.addSql(`drop trigger if exists "announce_user_change" on "users";`);
    this.addSql(`drop function if exists "users_announce_user_change_fn"();`);
    this.addSql(`alter table "users" drop column "disabled_at";`);
  }

}
