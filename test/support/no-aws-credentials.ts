/**
 * Variables for a child that must find no AWS credentials anywhere: not in variables, profile files, a container's
 * or a web identity's endpoint, nor the instance metadata service. A test that expects "no credentials" would
 * otherwise reach real AWS on a machine that has some (a CI role, a developer's profile). Undefined unsets.
 */
export const NO_AWS_CREDENTIALS: Readonly<Record<string, string | undefined>> = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: 'none',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_CONFIG_FILE: '/nonexistent',
  HOME: '/nonexistent',
  AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
  AWS_ROLE_ARN: undefined,
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
  AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
  AWS_CONTAINER_AUTHORIZATION_TOKEN: undefined,
  AWS_EC2_METADATA_DISABLED: 'true',
};
