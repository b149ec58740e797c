import type { MikroORM } from '../db/database.js';
import { EmailTokenStore } from './email-token-store.js';
import { MailOutbox } from './mail-outbox.js';
import { PasskeyStore } from './passkey-store.js';
import { SecondFactorStore } from './second-factor-store.js';
import { inTransaction } from './store-failure.js';
import { UserEmails } from './user-emails.js';
import { UserRepository } from './user-repository.js';

/** The stores an account change writes to together: a token, its mail and the user commit as one. */
export interface AccountWrites {
  users: UserRepository;
  emails: UserEmails;
  tokens: EmailTokenStore;
  outbox: MailOutbox;
  factors: SecondFactorStore;
  passkeys: PasskeyStore;
  /** Says the user's row changed: once the transaction commits, copies of it kept here are dropped. */
  userChanged(userId: string): void;
}

/** Users, one-time tokens, second factors, passkeys and the mail outbox, each operation on a fresh EntityManager. */
export class AccountStore {
  /**
   * `usersChanged` hears, after each commit, the users it changed: this instance's copies go at
   * once, not only when the database's announcement arrives.
   */
  constructor(
    private readonly orm: MikroORM,
    private readonly usersChanged: (userIds: string[]) => void = () => undefined,
  ) {}

  users(): UserRepository {
    return new UserRepository(this.orm.em.fork());
  }

  emails(): UserEmails {
    return new UserEmails(this.orm.em.fork());
  }

  tokens(): EmailTokenStore {
    return new EmailTokenStore(this.orm.em.fork());
  }

  factors(): SecondFactorStore {
    return new SecondFactorStore(this.orm.em.fork());
  }

  passkeys(): PasskeyStore {
    return new PasskeyStore(this.orm.em.fork());
  }

  /** Runs `work` in one transaction (rolled back if it throws); see inTransaction. */
  async transaction<T>(work: (writes: AccountWrites) => Promise<T>): Promise<T> {
    const changed = new Set<string>();
    const result = await inTransaction(this.orm.em.fork(), (tx) =>
      work({ users: new UserRepository(tx), emails: new UserEmails(tx), tokens: new EmailTokenStore(tx), outbox: new MailOutbox(tx),
        factors: new SecondFactorStore(tx),
        passkeys: new PasskeyStore(tx),
        userChanged: (userId) => changed.add(userId) }),
    );
    if (changed.size > 0) this.usersChanged([...changed]);
    return result;
  }
}
