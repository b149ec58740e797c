import { Migration } from '@mikro-orm/migrations';

export class Migration20261207045552_AccountsByEmail extends Migration {

  override name = 'Migration20261207045552_AccountsByEmail';

  override up(): void | Promise<void> {
    this.addSql(`create table "mail_outbox" ("id" bigserial primary key, "user_id" uuid null, "purpose" text not null, "locale" text not null, "to_address" text not null, "subject" text not null, "text_body" text null, "html_body" text null, "created_at" timestamptz not null default now(), "next_attempt_at" timestamptz not null default now(), "attempts" int not null default 0, "last_error" text null, "sent_at" timestamptz null, "failed_at" timestamptz null);`);
    this.addSql(`create index "mail_outbox_sent_at_index" on "mail_outbox" ("sent_at");`);
    this.addSql(`create index "mail_outbox_due_index" on "mail_outbox" ("next_attempt_at") where "sent_at" is null and "failed_at" is null;`);

    this.addSql(`create table "one_time_tokens" ("id" uuid not null, "user_id" uuid not null, "purpose" text not null, "email" text not null, "new_email" text null, "token_hash" text not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, "used_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "one_time_tokens" add constraint "one_time_tokens_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "one_time_tokens_user_id_purpose_index" on "one_time_tokens" ("user_id", "purpose");`);

    this.addSql(`alter table "users" add "pending_email" text null, add "pending_email_confirmed_new" boolean not null default false, add "pending_email_confirmed_current" boolean not null default false;`);

    this.addSql(`alter table "one_time_tokens" add constraint "one_time_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "mail_outbox" cascade;`);
    this.addSql(`drop table if exists "one_time_tokens" cascade;`);

    this.addSql(`alter table "users" drop column "pending_email", drop column "pending_email_confirmed_new", drop column "pending_email_confirmed_current";`);
  }

}
