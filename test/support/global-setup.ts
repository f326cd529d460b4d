/**
 * Starts what the tests share, once per run: a PostgreSQL server (the one in TEST_DATABASE_URL, else an
 * embedded PostgreSQL 16 in a temporary directory), a seeded cognito-local and the CDK stages' synthesis. Each test
 * file then makes its own database on the server (dropped by this process in batches, database-drops.ts) and its
 * own users in the pool. No test starts before this
 * returns, so only Cognito (whose pool id the files need up front) is waited for here: the embedded server's
 * initdb and the synthesis take seconds, and the files that use them wait for their ready files instead. The
 * cluster initdb makes is kept as a template, which the end-to-end files copy into their DATA_DIR. A run
 * limited to files that read no stage does not synthesize at all, and one without nag.test.ts skips the checks.
 */
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCLI, type TestProject } from 'vitest/node';
import { urlOfDatabase } from '../../services/kit/db/provision';
import { makeClusterTemplate, type ClusterTemplate } from './cluster-template';
import { setupCognitoForTests } from './cognito';
import { startDropSweeper } from './database-drops';
import { startDatabaseServer } from './database-server';
import { startStageSynthesis } from './stage-synthesis';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Server URL without a database name. */
    databaseServerUrl: string;
    /** test/support/database.ts waits for this before using the server (ready-file.ts). */
    databaseReadyFile: string;
  }
}

interface RunFiles {
  /** Whether the run includes files under a path (relative to the root). */
  includes(under: string): boolean;
  /** Whether one of the run's files imports one of these support modules (by file name, without `.ts`). */
  imports(modules: readonly string[]): Promise<boolean>;
}

/**
 * The files of the run, as vitest chooses them: the config's `include` (vitest.mutation.config.mts lists a few
 * files) and the command line's filters. A wrong guess costs time, never a result: a file that finds no synthesis of
 * the run synthesizes the stages itself, and one that finds no cluster template lets its server run initdb.
 */
async function filesOfRun(project: TestProject): Promise<RunFiles> {
  const { filter } = parseCLI(['vitest', ...process.argv.slice(2)], { allowUnknownOptions: true });
  // `file.test.ts:12` names a line, as vitest's own filter parsing takes it; the file is what counts here.
  const { testFiles } = await project.globTestFiles(filter.map((f) => f.replace(/:\d+$/, '')));
  const { root } = project.config;
  return {
    includes: (under) => testFiles.some((file) => file === path.join(root, under) || file.startsWith(path.join(root, under) + path.sep)),
    async imports(modules) {
      const imported = new RegExp(`support/(${modules.join('|')})'`);
      const texts = await Promise.all(testFiles.map((file) => readFile(file, 'utf8')));
      return texts.some((text) => imported.test(text));
    },
  };
}

/**
 * The support modules that copy the run's cluster, even when the run's server is given (TEST_DATABASE_URL): a test
 * file importing one of them wants the template. It was a hand-kept list of files, and a file missing from it found
 * no template when run alone (embedded-postgres.test.ts failed so). The password tests (database-passwords.ts) copy
 * it only when that server trusts every login; else it is made for nothing, in the background.
 */
const CLUSTER_COPIERS = ['new-cluster', 'platform-data-dir', 'database-passwords'];

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-test-'));
  // mkdtemp makes it private; as root, PostgreSQL runs as the postgres user and must reach its data.
  await chmod(dir, 0o755);
  const run = await filesOfRun(project);
  // The checks (cdk-nag, CloudFormation validation) take most of the synthesis; only nag.test.ts reads them.
  const options = { checked: run.includes('test/lib/nag.test.ts'), cost: run.includes('test/scripts/cost.test.ts') };
  const stages = options.cost || run.includes('test/lib') ? startStageSynthesis(options) : undefined;
  // One initdb for the run: the embedded server, the end-to-end files' first `npm start` and the files that start
  // an embedded server of their own copy its cluster (test/support/new-cluster.ts).
  let template: ClusterTemplate | undefined;
  const cluster = () => (template ??= makeClusterTemplate(dir));
  if (await run.imports(CLUSTER_COPIERS)) cluster();
  const readyFile = path.join(dir, 'database-ready.json');
  const database = await startDatabaseServer(dir, readyFile, cluster);
  // The files' databases, dropped in batches (database-drops.ts); an embedded server goes whole with the directory.
  const toDrop = path.join(dir, 'databases-to-drop');
  const drops = process.env.TEST_DATABASE_URL ? startDropSweeper(toDrop, urlOfDatabase(database.url, 'postgres')) : undefined;
  // The template goes with the directory, once no initdb is writing it.
  const parts: Array<() => Promise<void>> = [async () => stages?.stop(), async () => { try { await drops?.finish(); } finally { await database.stop(); } }, async () => template?.made.catch(() => {})];
  // The parts are independent, so they stop side by side (the run's last serial step); then their directory goes.
  const stopAll = async () => {
    const stopped = await Promise.allSettled(parts.splice(0).map((stop) => stop()));
    await rm(dir, { recursive: true, force: true });
    const failed = stopped.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    const cognito = await setupCognitoForTests();
    parts.push(cognito.stop);
    if (stages) project.provide('cdkStagesDir', stages.dir);
    if (template) {
      project.provide('clusterTemplateDir', template.dir);
      project.provide('clusterTemplateReadyFile', template.readyFile);
    }
    project.provide('databaseServerUrl', database.url);
    project.provide('databaseReadyFile', readyFile);
    project.provide('databasesToDropFile', toDrop);
    project.provide('cognito', cognito.env);
  } catch (error) {
    // Whatever did start must not outlive the failed setup.
    await stopAll();
    throw error;
  }
  return stopAll;
}
