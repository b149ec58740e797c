import { Migration } from '@mikro-orm/migrations';

export class Migration20261207023836_SealedSigningKeysClientPkce extends Migration {

  override name = 'Migration20261207023836_SealedSigningKeysClientPkce';

  override up(): void | Promise<void> {
    this.addSql(`alter table "oauth_states" add "code_challenge" text null;`);

    this.addSql(`alter table "signing_keys" rename column "private_key_pem" to "sealed_private_key";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "oauth_states" drop column "code_challenge";`);

    this.addSql(`alter table "signing_keys" rename column "sealed_private_key" to "private_key_pem";`);
  }

}
