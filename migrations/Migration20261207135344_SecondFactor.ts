import { Migration } from '@mikro-orm/migrations';

export class Migration20261207135344_SecondFactor extends Migration {

  override name = 'Migration20261207135344_SecondFactor';

  override up(): void | Promise<void> {
    this.addSql(`create table "auth_challenges" ("id_hash" text not null, "payload" jsonb not null, "failures" int not null default 0, "expires_at" timestamptz not null, primary key ("id_hash"));`);
    this.addSql(`create index "auth_challenges_expires_at_index" on "auth_challenges" ("expires_at");`);

    this.addSql(`create table "totp_factors" ("user_id" uuid not null, "secret" text not null, "confirmed_at" timestamptz null, "pending_until" timestamptz null, "last_step" int null, "created_at" timestamptz not null, primary key ("user_id"));`);

    this.addSql(`create table "recovery_codes" ("user_id" uuid not null, "code_hash" text not null, "used_at" timestamptz null, primary key ("user_id", "code_hash"));`);

    this.addSql(`create table "passkeys" ("id" text not null, "user_id" uuid not null, "public_key" text not null, "counter" bigint not null, "transports" text not null, "device_type" text not null, "backed_up" boolean not null, "name" text not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "passkeys_user_id_index" on "passkeys" ("user_id");`);

    this.addSql(`alter table "users" add "mfa_enabled" boolean not null default false;`);

    this.addSql(`alter table "sessions" add "amr" text not null default '', add "auth_time" timestamptz null;`);

    this.addSql(`alter table "totp_factors" add constraint "totp_factors_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "recovery_codes" add constraint "recovery_codes_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "passkeys" add constraint "passkeys_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "auth_challenges" cascade;`);
    this.addSql(`drop table if exists "totp_factors" cascade;`);
    this.addSql(`drop table if exists "recovery_codes" cascade;`);
    this.addSql(`drop table if exists "passkeys" cascade;`);

    this.addSql(`alter table "sessions" drop column "amr", drop column "auth_time";`);

    this.addSql(`alter table "users" drop column "mfa_enabled";`);
  }

}
