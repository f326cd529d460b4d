// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { SERVICE_NAMES } from './services/contracts/services.ts';

/**
 * Import directions (CONTRIBUTING.md, "Layout"): lib/ and services/ both import services/contracts/, which
 * imports neither; the runtime never imports the infrastructure (lib/); lib/ imports no service, gateway or
 * launcher; no service imports another; the shared kit (services/kit) knows no service; domain/ code uses
 * no framework, ORM or SDK. Relative imports are matched by their text, so each rule names how far up it goes.
 */
const up = '^(\\.\\./)+';
const forbid = (regex, message) => ({ regex, message });
/** Later entries replace earlier ones for the same rule, so each runtime entry carries the rule against lib/ too. */
const noLib = () => forbid(`${up}lib(\\/|$)`, 'Runtime code never imports the infrastructure (lib/): shared facts live in services/contracts/.');
const restrict = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });
const FRAMEWORKS = ['express', 'drizzle-orm', 'pg', '@aws-sdk', '@smithy', 'aws-cdk-lib', 'constructs', 'undici'];
const framework = (what) => forbid(`^(${FRAMEWORKS.join('|')})(\\/|$)`, `${what} uses no framework, ORM or SDK.`);
const RUNTIME_PARTS = [...SERVICE_NAMES, 'gateway', 'local'];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', '**/migrations/', 'coverage/', '.test-out/', '.tools/', '.test-child-*/', '.stryker-tmp/', 'reports/', 'services/contracts/grpc/gen/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  restrict(['services/**/*.{ts,mts,mjs}'], [noLib()]),
  restrict(['lib/**/*.ts', 'bin/**/*.ts'], [
    forbid(`${up}services\\/(?!contracts\\/)`, 'The CDK app imports only services/contracts/ from services/: no service, gateway, launcher or kit.'),
  ]),
  restrict(['services/contracts/**/*.ts'], [
    forbid(`${up}`, 'services/contracts/ is plain data and schemas: it imports nothing of the project but itself.'),
    framework('services/contracts/'),
  ]),
  restrict(['services/kit/**/*.ts'], [
    noLib(),
    forbid(`${up}(${RUNTIME_PARTS.join('|')})(\\/|$)`, 'The kit (services/kit) knows no service, gateway or launcher.'),
  ]),
  ...SERVICE_NAMES.map((service) =>
    restrict([`services/${service}/**/*.ts`], [
      noLib(),
      forbid(`${up}(${RUNTIME_PARTS.filter((other) => other !== service).join('|')})(\\/|$)`, 'A service imports no other service, the gateway or the launcher: it talks to them over HTTP or events.'),
    ]),
  ),
  // A bare ZodError is answered 500, a server fault (services/kit/http/error-handler.ts): where requests are read, a
  // schema's own parse() would answer a malformed request so, and the fault alarm would count it.
  {
    files: ['services/*/entry-points/http/**/*.ts', 'services/kit/http/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name=/^parse(Async)?$/]:not([callee.object.name='JSON'])",
        message: 'A schema\'s parse() throws a bare ZodError, which the error handler answers 500: check client input with parseInput (services/kit/http/validate.ts), or safeParse and throw an AppError.',
      }],
    },
  },
  restrict(['services/*/domain/**/*.ts'], [
    noLib(),
    forbid(`${up}(${RUNTIME_PARTS.join('|')})(\\/|$)`, 'domain/ imports only its own service, the kit and the contracts.'),
    framework('domain/'),
  ]),
);
