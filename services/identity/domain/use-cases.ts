import type { Logger } from '../../platform/logger';
import { account } from './account';
import type { IdentityProvider, Tokens } from './identity-provider';
import { recordInvoicePaid, type PaidInvoice, type PaidInvoiceOutcome } from './invoice-paid';
import type { Caller, Profile } from './profile';
import { sessions } from './sessions';
import { signup, type SignupInput } from './signup';
import type { IdentityStore } from './store';

export interface IdentityUseCases {
  signup(input: SignupInput): Promise<Profile>;
  signIn(email: string, password: string): Promise<Tokens>;
  refresh(refreshToken: string): Promise<Tokens>;
  me(caller: Caller): Promise<Profile>;
  rename(caller: Caller, name: string): Promise<Profile>;
  deleteAccount(caller: Caller): Promise<void>;
  /** The `billing.invoice.paid` consumer's use case; idempotent per invoice id. */
  recordInvoicePaid(invoice: PaidInvoice): Promise<PaidInvoiceOutcome>;
}

export interface IdentityUseCaseDeps {
  readonly store: IdentityStore;
  readonly directory: IdentityProvider;
  readonly logger: Logger;
}

export function identityUseCases(deps: IdentityUseCaseDeps): IdentityUseCases {
  const accounts = account(deps);
  const tokens = sessions(deps.directory);
  return {
    signup: signup(deps),
    signIn: tokens.signIn,
    refresh: tokens.refresh,
    me: accounts.me,
    rename: accounts.rename,
    deleteAccount: accounts.remove,
    recordInvoicePaid: recordInvoicePaid(deps.store),
  };
}
