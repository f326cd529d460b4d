/**
 * The SDK clients' region when AWS_REGION is unset (offline, the emulators answer for any region). It is applied
 * where a client is made, never as a config default: a default would make AWS_REGION always set, and
 * DATABASE_IAM_AUTH, whose tokens must be signed for the database's own region, could never find it missing.
 */
export const DEFAULT_AWS_REGION = 'us-east-1';
