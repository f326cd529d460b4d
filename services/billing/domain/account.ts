/** Billing accounts: one per user, opened when the user registers, closed (never deleted) when the user goes. */

export type AccountStatus = 'active' | 'closed';

export interface Account {
  readonly id: string;
  /** The Cognito `sub` of the owner. */
  readonly userId: string;
  readonly status: AccountStatus;
  readonly createdAt: Date;
}

/** What the account use cases need from storage; data-access implements it. */
export interface AccountRepository {
  findByUser(userId: string): Promise<Account | undefined>;
  /**
   * The account, locked against a concurrent close until the transaction ends. Only meaningful inside a
   * transaction; invoices and payments read it this way so a close cannot slip between check and write.
   */
  findByUserForShare(userId: string): Promise<Account | undefined>;
  /** Creates an active account unless the user has one, active or closed; answers the one that exists. */
  open(userId: string): Promise<Account>;
  /** Marks the user's account closed, creating a closed tombstone when the open has not arrived yet. */
  close(userId: string): Promise<Account>;
}
