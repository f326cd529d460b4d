/** Billing accounts: one per user, opened when the user registers, closed (never deleted) when the user goes. */

export type AccountStatus = 'active' | 'closed';

export interface Account {
  readonly id: string;
  /** The Cognito `sub` of the owner. */
  readonly userId: string;
  readonly status: AccountStatus;
  readonly createdAt: Date;
}
