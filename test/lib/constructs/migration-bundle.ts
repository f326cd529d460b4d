/**
 * The migration function's code as the CDK app builds it for a deploy (esbuild, the migrations folder copied beside
 * the handler), for the test that runs that very bundle against PostgreSQL (test/services/kit/db/migrate-lambda.test.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DatabaseMigrations } from '../../../lib/constructs/database-migrations';
import { testStack } from '../synth';
import { importedDatabase, network } from './fixtures';

export interface BuiltFunction {
  /** The bundle's entry file (CommonJS). */
  readonly entry: string;
  dispose(): void;
}

/**
 * Runs `bundle` without CDK's "Bundling asset …" line, which it writes straight to stderr (no logger to quiet): the
 * test run's output is vitest's own lines and failures (issue #11). Anything else written meanwhile still goes out.
 */
function withoutCdkProgress<T>(bundle: () => T): T {
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: unknown, ...rest: never[]) =>
    typeof chunk === 'string' && chunk.startsWith('Bundling asset ') ? true : write(chunk as string, ...rest)) as typeof process.stderr.write;
  try {
    return bundle();
  } finally {
    process.stderr.write = write;
  }
}

export function builtMigrationFunction(migrationsDir: string): BuiltFunction {
  const test = testStack({ bundle: true });
  try {
    const vpc = network(test.stack);
    // The asset is bundled as the function is made, not at synth.
    withoutCdkProgress(() => new DatabaseMigrations(test.stack, 'Migrations', { vpc, database: importedDatabase(test.stack, vpc), migrationsDir, lockName: 'bundle', functionName: 'bundle-migrations', logRetention: RetentionDays.ONE_DAY }));
    const assembly = test.app.synth();
    const [fn] = Object.values(Template.fromStack(test.stack).findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'bundle-migrations' } }));
    const key = (fn!.Properties.Code as { S3Key: string }).S3Key;
    const entry = path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`, 'index.js');
    if (!existsSync(entry)) throw new Error(`no bundle at ${entry}`);
    return { entry, dispose: () => test.dispose() };
  } catch (error) {
    test.dispose();
    throw error;
  }
}
