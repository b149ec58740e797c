import { Migration } from '@mikro-orm/migrations';

export class Migration20261128225013_SigningKeyRotation extends Migration {

  override name = 'Migration20261128225013_SigningKeyRotation';

  override up(): void | Promise<void> {
    this.addSql(`alter table "signing_keys" add "public_key_pem" text null, add "active_from" timestamptz null;`);
    this.addSql(`alter table "signing_keys" alter column "private_key_pem" drop not null;`);
    this.addSql(`create or replace function "signing_keys_announce_change_fn"() returns trigger as \$\$ begin perform pg_notify('auth_revocations', 'k'); return null; end; \$\$ language plpgsql;`);
    this.addSql(`create trigger "announce_change" AFTER INSERT OR UPDATE on "signing_keys" for each STATEMENT execute function "signing_keys_announce_change_fn"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "announce_change" on "signing_keys";`);
    this.addSql(`drop function if exists "signing_keys_announce_change_fn"();`);
    this.addSql(`alter table "signing_keys" drop column "public_key_pem", drop column "active_from";`);
    this.addSql(`alter table "signing_keys" alter column "private_key_pem" set not null;`);
  }

}
