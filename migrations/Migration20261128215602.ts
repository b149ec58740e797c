import { Migration } from '@mikro-orm/migrations';

export class Migration20261128215602 extends Migration {

  override name = 'Migration20261128215602';

  override up(): void | Promise<void> {
    this.addSql(`create table "signing_keys" ("kid" text not null, "algorithm" text not null, "private_key_pem" text not null, "created_at" timestamptz not null, "retired_at" timestamptz null, primary key ("kid"));`);

    this.addSql(`create table "users" ("id" uuid not null, "email" text null, "email_verified" boolean not null default false, "password_hash" text null, "nickname" text not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(`create table "sessions" ("id" uuid not null, "user_id" uuid not null, "current_hash" text not null, "previous_hash" text null, "rotated_at" timestamptz null, "generation" int not null default 0, "rotation_key" text not null, "created_at" timestamptz not null, "last_used_at" timestamptz not null, "expires_at" timestamptz not null, "user_agent" text null, "ip" text null, primary key ("id"));`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);
    this.addSql(`create index "sessions_expires_at_index" on "sessions" ("expires_at");`);

    this.addSql(`create table "oauth_identities" ("id" uuid not null, "user_id" uuid not null, "provider" text not null, "provider_user_id" text not null, "email" text null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "oauth_identities_user_id_index" on "oauth_identities" ("user_id");`);
    this.addSql(`alter table "oauth_identities" add constraint "oauth_identities_provider_provider_user_id_unique" unique ("provider", "provider_user_id");`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);

    this.addSql(`alter table "oauth_identities" add constraint "oauth_identities_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "sessions" drop constraint "sessions_user_id_foreign";`);
    this.addSql(`alter table "oauth_identities" drop constraint "oauth_identities_user_id_foreign";`);

    this.addSql(`drop table if exists "signing_keys" cascade;`);
    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "sessions" cascade;`);
    this.addSql(`drop table if exists "oauth_identities" cascade;`);
  }

}
