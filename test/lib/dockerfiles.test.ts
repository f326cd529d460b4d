/**
 * What can be checked of the service images without a Docker engine: the build context is small (the root
 * .dockerignore, as CDK applies it when staging the asset), the files each Dockerfile copies exist and are in
 * the context, and the images are multi-stage Node 24, non-root, with a health check, listening on the port the
 * task definition maps (CONTAINER_PORT, which the Dockerfile cannot import).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { IgnoreStrategy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { CONTAINER_PORT } from '../../lib/constructs/microservice-container';
import { SERVICE_NAMES } from '../../services/contracts/services';
import { REPO_ROOT } from './synth';

const patterns = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const ignore = IgnoreStrategy.docker(REPO_ROOT, patterns);
const ignored = (relative: string) => ignore.ignores(path.join(REPO_ROOT, relative));

/** Files of the build context, as CDK stages it. */
function contextFiles(directory = REPO_ROOT): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const absolute = path.join(directory, entry.name);
    if (entry.isDirectory()) return ignore.completelyIgnores(absolute) ? [] : contextFiles(absolute);
    return ignore.ignores(absolute) ? [] : [path.relative(REPO_ROOT, absolute)];
  });
}

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly stage: number;
}

/** Dockerfile instructions with continuation lines joined; `stage` counts FROM lines from 0. */
function instructions(dockerfile: string): Instruction[] {
  const joined = dockerfile.replace(/\\\n/g, ' ');
  let stage = -1;
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      if (keyword.toUpperCase() === 'FROM') stage += 1;
      return { keyword: keyword.toUpperCase(), args: rest.join(' '), stage };
    });
}

describe('build context', () => {
  it('when images are built, then a root .dockerignore keeps dependencies, outputs, data, git and tests out', () => {
    for (const path of ['node_modules/aws-cdk-lib/package.json', 'cdk.out/manifest.json', '.data/x', '.git/HEAD', 'test/lib/synth.ts', 'docs/deploy.md', 'bench/product.ts', 'lib/app-stack.ts', 'services/gateway/routing.ts', 'services/local/main.ts']) {
      expect(ignored(path), path).toBe(true);
    }
  });

  it('when images are built, then the context is small: only package files and service sources', () => {
    const files = contextFiles();
    const bytes = files.reduce((sum, file) => sum + statSync(path.join(REPO_ROOT, file)).size, 0);
    expect(files.filter((file) => !/^(package(-lock)?\.json|tsconfig\.json|\.dockerignore|services\/)/.test(file))).toEqual([]);
    expect(bytes).toBeLessThan(5 * 1024 * 1024);
  });
});

const DOCKERFILE = path.join(REPO_ROOT, 'services', 'Dockerfile');

describe('services/Dockerfile', () => {
  it('when read, then every stage declares the SERVICE build argument, and a build without it fails early', () => {
    const steps = instructions(readFileSync(DOCKERFILE, 'utf8'));
    const stages = new Set(steps.map((step) => step.stage));
    for (const stage of stages) expect(steps.some((s) => s.stage === stage && s.keyword === 'ARG' && s.args === 'SERVICE'), `stage ${stage}`).toBe(true);
    expect(steps.find((step) => step.keyword === 'RUN')?.args).toMatch(/test -n "\$SERVICE"/);
  });
});

describe.each(SERVICE_NAMES)('services/Dockerfile with SERVICE=%s', (service) => {
  // What Docker builds for this service: the shared file with the build argument substituted.
  const steps = () => instructions(readFileSync(DOCKERFILE, 'utf8').replaceAll('${SERVICE}', service));
  const finalStage = () => Math.max(...steps().map((step) => step.stage));

  it('when read, then it builds on Node 24 and runs on the slim Node 24 image, pinned by digest, in both stages', () => {
    const from = steps().filter((step) => step.keyword === 'FROM');
    expect(from.length).toBeGreaterThanOrEqual(2);
    expect(from[0]?.args).toMatch(/^node:24-slim@sha256:[0-9a-f]{64} AS build$/);
    expect(from.at(-1)?.args).toMatch(/^node:24-slim@sha256:[0-9a-f]{64}$/);
  });

  it('when read, then every file it copies from the context exists and is in the context', () => {
    const copies = steps().filter((step) => step.keyword === 'COPY' && !step.args.includes('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = copy.args.split(/\s+/).filter((arg) => !arg.startsWith('--')).slice(0, -1);
      for (const source of sources) {
        expect(existsSync(path.join(REPO_ROOT, source)), `${source} exists`).toBe(true);
        expect(ignored(source), `${source} is in the build context`).toBe(false);
      }
    }
  });

  it('when read, then it bundles the service entry point, which exists, and ships its migrations', () => {
    const entry = `services/${service}/main.ts`;
    expect(steps().some((step) => step.keyword === 'RUN' && step.args.includes(`esbuild ${entry}`))).toBe(true);
    expect(existsSync(path.join(REPO_ROOT, entry)), `${entry} exists`).toBe(true);
    const migrations = path.join(REPO_ROOT, 'services', service, 'data-access', 'migrations');
    expect(existsSync(path.join(migrations, 'meta', '_journal.json')), 'drizzle migrations journal').toBe(true);
    expect(steps().some((step) => step.keyword === 'ENV' && step.args.includes('MIGRATIONS_DIR=/app/migrations'))).toBe(true);
  });

  it("when built, then the bundle's source map keeps our own code only, by the kit's script, before the runtime stage copies it", () => {
    const build = steps().filter((step) => step.stage < finalStage());
    const outfile = /--outfile=(\S+)/.exec(build.find((step) => step.keyword === 'RUN' && step.args.includes('esbuild'))?.args ?? '')?.[1];
    expect(outfile).toBeDefined();
    const cut = build.find((step) => step.keyword === 'RUN' && step.args.includes('own-source-map.mjs'));
    expect(cut?.args).toBe(`node services/kit/bundle/own-source-map.mjs ${outfile}.map`);
    expect(existsSync(path.join(REPO_ROOT, 'services', 'kit', 'bundle', 'own-source-map.mjs'))).toBe(true);
    expect(ignored('services/kit/bundle/own-source-map.mjs')).toBe(false);
  });

  it('when run, then the process is not root and Docker checks /health/live', () => {
    const last = steps().filter((step) => step.stage === finalStage());
    const user = last.filter((step) => step.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(last.find((step) => step.keyword === 'HEALTHCHECK')?.args).toContain('/health/live');
  });

  it('when run, then it listens on CONTAINER_PORT, the port its task definition maps and its load balancer checks', () => {
    const last = steps().filter((step) => step.stage === finalStage());
    const env = last.filter((step) => step.keyword === 'ENV').map((step) => step.args).join(' ');
    expect(env.split(/\s+/)).toContain(`PORT=${CONTAINER_PORT}`);
    expect(last.find((step) => step.keyword === 'EXPOSE')?.args).toBe(String(CONTAINER_PORT));
  });
});
