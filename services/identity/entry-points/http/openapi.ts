import type { z } from 'zod';
import { createDocument } from 'zod-openapi';
import { JSON_BODY_STATUSES, problemResponses } from '../../../kit/http/openapi';
import { meResponse, refreshBody, signupBody, signupResponse, tokenBody, tokenResponse, updateMeBody } from './schemas';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const user = [{ bearer: [] }];

/** OpenAPI 3.1 for the Identity API, generated from the same zod schemas the routes validate with. */
export function identityOpenApi() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Identity API',
      version: '1.0.0',
      description: 'Accounts and sign-in. Tokens are Cognito tokens; user routes take the access token.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths: {
      '/identity/signup': {
        post: {
          summary: 'Create an account',
          requestBody: json(signupBody),
          responses: { 201: { description: 'Created', ...json(signupResponse) }, ...problemResponses(400, 409, ...JSON_BODY_STATUSES) },
        },
      },
      '/identity/token': {
        post: {
          summary: 'Sign in with email and password',
          requestBody: json(tokenBody),
          responses: { 200: { description: 'Tokens', ...json(tokenResponse) }, ...problemResponses(400, 401, ...JSON_BODY_STATUSES) },
        },
      },
      '/identity/token/refresh': {
        post: {
          summary: 'New access and id tokens from a refresh token',
          requestBody: json(refreshBody),
          responses: { 200: { description: 'Tokens', ...json(tokenResponse) }, ...problemResponses(400, 401, ...JSON_BODY_STATUSES) },
        },
      },
      '/identity/me': {
        get: {
          summary: 'The signed-in account',
          security: user,
          responses: { 200: { description: 'The account', ...json(meResponse) }, ...problemResponses(401) },
        },
        patch: {
          summary: 'Rename the signed-in account',
          security: user,
          requestBody: json(updateMeBody),
          responses: { 200: { description: 'The account', ...json(meResponse) }, ...problemResponses(400, 401, ...JSON_BODY_STATUSES) },
        },
        delete: {
          summary: 'Delete the signed-in account (idempotent)',
          security: user,
          responses: { 204: { description: 'Deleted' }, ...problemResponses(401) },
        },
      },
    },
  });
}
