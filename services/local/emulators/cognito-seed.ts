/**
 * Brings a running cognito-local to the state the platform expects: an app client, the admin group and an
 * admin user. Every step looks before it creates, so seeding a kept data directory again changes nothing.
 * The pool itself is made on disk before start (see cognito-state.ts).
 */
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  type ExplicitAuthFlowsType,
  ListGroupsCommand,
  ListUserPoolClientsCommand,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { requestHandlerWith } from '../../kit/aws/request-deadlines';

/** The app client the seed makes, and that the services and the gateway use. */
export const PLATFORM_CLIENT_NAME = 'platform';

/**
 * The CDK app client's flows (lib/constructs/auth.ts): the Identity service's AdminInitiateAuth and refresh, no public
 * password or SRP sign-in. The emulator enforces them as Cognito does (cognito-auth-flows.mjs).
 */
export const PLATFORM_AUTH_FLOWS: readonly ExplicitAuthFlowsType[] = ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'];

export interface CognitoSeedOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly adminEmail: string;
  readonly adminPassword: string;
  readonly adminGroup?: string;
  readonly clientName?: string;
}

export interface CognitoSeedResult {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly endpoint: string;
  readonly region: string;
}

/** An SDK client for the emulator: it checks no signature, but the SDK insists on some credentials. */
export function localCognitoClient(endpoint: string, region: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // A hung emulator fails the launcher's seeding instead of holding it forever.
    requestHandler: requestHandlerWith({ connectMs: 2_000, requestMs: 10_000 }),
  });
}

export async function seedCognito(options: CognitoSeedOptions): Promise<CognitoSeedResult> {
  const client = localCognitoClient(options.endpoint, options.region);
  try {
    const { userPoolId } = options;
    const group = options.adminGroup ?? 'admin';
    const clientId = await ensureAppClient(client, userPoolId, options.clientName ?? PLATFORM_CLIENT_NAME);
    await ensureGroup(client, userPoolId, group);
    await ensureAdminUser(client, userPoolId, options.adminEmail, options.adminPassword);
    // Always (re)added: cheap, idempotent, and repairs a user whose membership was removed by hand.
    await client.send(
      new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: options.adminEmail, GroupName: group }),
    );
    return { userPoolId, clientId, endpoint: options.endpoint, region: options.region };
  } finally {
    client.destroy();
  }
}

async function ensureAppClient(client: CognitoIdentityProviderClient, userPoolId: string, name: string) {
  const { UserPoolClients = [] } = await client.send(
    new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }),
  );
  const existing = UserPoolClients.find((c) => c.ClientName === name)?.ClientId;
  if (existing) {
    await ensureAuthFlows(client, userPoolId, existing);
    return existing;
  }
  const { UserPoolClient } = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: name,
      // The same as the CDK app client: no secret, and its flows.
      ExplicitAuthFlows: [...PLATFORM_AUTH_FLOWS],
      GenerateSecret: false,
    }),
  );
  if (!UserPoolClient?.ClientId) throw new Error('cognito-local created an app client without an id');
  return UserPoolClient.ClientId;
}

/**
 * A client an earlier release made (with public password sign-in) gets the platform's flows, in place as CloudFormation
 * updates the CDK one: its id, which the services and every token name, stays. cognito-local's UpdateUserPoolClient
 * changes only what it is given.
 */
async function ensureAuthFlows(client: CognitoIdentityProviderClient, userPoolId: string, clientId: string) {
  const { UserPoolClient } = await client.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }));
  const flows = [...(UserPoolClient?.ExplicitAuthFlows ?? [])].sort();
  if (flows.join() === [...PLATFORM_AUTH_FLOWS].sort().join()) return;
  await client.send(new UpdateUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId, ExplicitAuthFlows: [...PLATFORM_AUTH_FLOWS] }));
}

/**
 * Looks first: cognito-local's CreateGroup overwrites an existing group and drops its members. ListGroups, not
 * GetGroup: cognito-local's GetGroup fails with a 500 on a pool that has no group yet.
 */
async function ensureGroup(client: CognitoIdentityProviderClient, userPoolId: string, groupName: string) {
  const { Groups = [] } = await client.send(new ListGroupsCommand({ UserPoolId: userPoolId, Limit: 60 }));
  if (Groups.some((g) => g.GroupName === groupName)) return;
  await client.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: groupName }));
}

/**
 * Creates the user only when missing; an existing admin keeps the password it has now, unless a start that was
 * cut short left it without a permanent one.
 */
async function ensureAdminUser(client: CognitoIdentityProviderClient, userPoolId: string, email: string, password: string) {
  try {
    const { UserStatus } = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }));
    if (UserStatus !== 'FORCE_CHANGE_PASSWORD') return;
    const permanent = { UserPoolId: userPoolId, Username: email, Password: password, Permanent: true };
    await client.send(new AdminSetUserPasswordCommand(permanent));
  } catch (error) {
    if (!isUserNotFound(error)) throw error;
    await createConfirmedUser(client, userPoolId, email, password);
  }
}

/** A user that can sign in at once: email verified, no welcome message, password permanent. */
export async function createConfirmedUser(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  email: string,
  password: string,
): Promise<void> {
  await client.send(
    new AdminCreateUserCommand({
      UserPoolId: userPoolId,
      Username: email,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
      MessageAction: 'SUPPRESS',
    }),
  );
  await client.send(
    new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: email, Password: password, Permanent: true }),
  );
}

function isUserNotFound(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'UserNotFoundException';
}
