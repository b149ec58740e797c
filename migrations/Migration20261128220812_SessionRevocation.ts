import { Migration } from '@mikro-orm/migrations';

export class Migration20261128220812_SessionRevocation extends Migration {

  override name = 'Migration20261128220812_SessionRevocation';

  override up(): void | Promise<void> {
    this.addSql(`create or replace function "users_announce_delete_fn"() returns trigger as \$\$ begin perform pg_notify('auth_revocations', 'u ' || old.id::text); return null; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "announce_delete" AFTER DELETE on "users" for each ROW execute function "users_announce_delete_fn"();`);

    this.addSql(`drop index "sessions_user_id_index";`);
    this.addSql(`create index "sessions_user_id_last_used_at_index" on "sessions" ("user_id", "last_used_at");`);
    this.addSql(`create or replace function "sessions_announce_delete_fn"() returns trigger as \$\$ begin perform pg_notify('auth_revocations', 's ' || old.id::text); return null; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "announce_delete" AFTER DELETE on "sessions" for each ROW execute function "sessions_announce_delete_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "sessions_user_id_last_used_at_index";`);
    this.addSql(`drop trigger if exists "announce_delete" on "sessions";`);
    this.addSql(`drop function if exists "sessions_announce_delete_fn"();`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);

    this.addSql(`drop trigger if exists "announce_delete" on "users";`);
    this.addSql(`drop function if exists "users_announce_delete_fn"();`);
  }

}
