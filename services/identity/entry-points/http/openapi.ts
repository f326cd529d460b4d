import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import { routesOf } from '../../../contracts/routes';
import { apiDescription, documentedPaths, json, NO_STORE, responseHeaders, securitySchemes, servers } from '../../../kit/http/openapi';
import { meResponse, refreshBody, signupBody, signupResponse, tokenBody, tokenResponse, updateMeBody } from './schemas';

const TAG = 'Identity';
/** Tokens and profiles are sent with `Cache-Control: no-store`. */
const noStore = responseHeaders(NO_STORE);

/** OpenAPI 3.1 for the Identity API, generated from the same zod schemas the routes validate with. */
export function identityOpenApi() {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Identity API',
      version: '1.0.0',
      description: apiDescription('Accounts and sign-in. Tokens are Cognito tokens; user routes take the access token.'),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers,
    tags: [{ name: TAG, description: 'Sign-up, sign-in (Cognito tokens) and the signed-in account, `/identity/…`' }],
    components: { securitySchemes },
    paths: documentedPaths(routesOf('identity'), TAG, {
      'POST /identity/signup': {
        operationId: 'signUp',
        summary: 'Create an account',
        requestBody: { required: true, ...json(signupBody) },
        responses: { 201: { description: 'Created', headers: responseHeaders({ Location: z.literal('/identity/me') }), ...json(signupResponse) } },
        problems: [409],
      },
      'POST /identity/token': {
        operationId: 'signIn',
        summary: 'Sign in with email and password',
        requestBody: { required: true, ...json(tokenBody) },
        responses: { 200: { description: 'Tokens', headers: noStore, ...json(tokenResponse) } },
        problems: [401],
      },
      'POST /identity/token/refresh': {
        operationId: 'refreshTokens',
        summary: 'New access and id tokens from a refresh token',
        requestBody: { required: true, ...json(refreshBody) },
        responses: { 200: { description: 'Tokens', headers: noStore, ...json(tokenResponse) } },
        problems: [401],
      },
      'GET /identity/me': {
        operationId: 'getMe',
        summary: 'The signed-in account',
        responses: { 200: { description: 'The account', headers: noStore, ...json(meResponse) } },
      },
      'PATCH /identity/me': {
        operationId: 'renameMe',
        summary: 'Rename the signed-in account',
        requestBody: { required: true, ...json(updateMeBody) },
        responses: { 200: { description: 'The account', headers: noStore, ...json(meResponse) } },
      },
      'DELETE /identity/me': {
        operationId: 'deleteMe',
        summary: 'Delete the signed-in account (idempotent)',
        responses: { 204: { description: 'Deleted', headers: noStore } },
      },
    }),
  });
}
