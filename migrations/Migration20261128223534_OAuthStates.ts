import { Migration } from '@mikro-orm/migrations';

export class Migration20261128223534_OAuthStates extends Migration {

  override name = 'Migration20261128223534_OAuthStates';

  override up(): void | Promise<void> {
    this.addSql(`create table "oauth_states" ("state_hash" text not null, "provider" text not null, "redirect_uri" text not null, "code_verifier" text null, "expires_at" timestamptz not null, primary key ("state_hash"));`);
    this.addSql(`create index "oauth_states_expires_at_index" on "oauth_states" ("expires_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "oauth_states" cascade;`);
  }

}
