/**
 * The documents against the real platform, checked by a third-party validator: `npm start`, and Stoplight Prism
 * (`prism proxy --errors`) in front of its gateway, loaded with the three OpenAPI 3.1 documents as one. The whole
 * smoke journey goes through Prism, which answers 422 to a request the documents do not describe and 500 to a
 * response they do not describe, and logs every violation, warnings included.
 */
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPlatformProcess, type PlatformProcess } from '../../harness/platform-process';
import { bearer, platformClient } from '../../scripts/smoke/client';
import { runJourney } from '../../scripts/smoke/journey';
import { startChildProcess, type RunningChild } from '../../services/local/child-process/start-child';
import { freePort } from '../../services/local/free-port';
import { DEFAULT_ADMIN_PASSWORD } from '../../services/local/config';
import { copyRunCluster } from '../support/new-cluster';
import { platformDocument, type OpenApiDocument } from './openapi-documents';

const PRISM = path.join(path.dirname(createRequire(import.meta.url).resolve('@stoplight/prism-cli/package.json')), 'dist/index.js');

interface Prism {
  readonly url: string;
  readonly output: string[];
  stop(): Promise<void>;
}

async function startPrism(document: OpenApiDocument, upstream: string): Promise<Prism> {
  const file = path.join(dir, `platform-${await freePort()}.json`);
  await writeFile(file, JSON.stringify(document));
  const output: string[] = [];
  const child: RunningChild = await startChildProcess({
    name: 'prism',
    command: process.execPath,
    args: [PRISM, 'proxy', file, upstream, '--errors', '--host', '127.0.0.1', '--port', String(await freePort())],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    ready: { logLine: /Prism is listening on (http:\/\/\S+)/ },
    readyTimeoutMs: 60_000,
    onLine: (line) => output.push(line),
    stop: { graceMs: 5_000 },
  });
  return { url: child.found, output, stop: () => child.stop() };
}

/** What Prism said about requests and responses that the document does not describe. */
const complaints = (output: readonly string[]) => output.filter((line) => /Violation:|terminated with error/.test(line));

let dir: string;
let platform: PlatformProcess | undefined;
let prism: Prism | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prism-'));
  await chmod(dir, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
  await copyRunCluster(path.join(dir, 'data', 'postgres')); // where npm start keeps it: PostgreSQL starts without an initdb
  platform = await startPlatformProcess(path.join(dir, 'data'));
  prism = await startPrism(platformDocument(), platform.gatewayUrl);
}, 180_000);

afterAll(async () => {
  await prism?.stop();
  await platform?.stop();
  await rm(dir, { recursive: true, force: true });
}, 90_000);

describe('the smoke journey through a validating proxy (Stoplight Prism)', () => {
  it('when every request and answer of the journey is checked against the documents, then none violates them', { timeout: 120_000 }, async () => {
    const steps: string[] = [];
    const flagged: string[] = []; // Prism names every violation, warnings included, in this header
    const requests: string[] = [];
    await runJourney({
      fetch: async (request, init) => {
        const response = await fetch(request, init);
        requests.push(`${request.method} ${new URL(request.url).pathname} ${response.status}`);
        const violations = response.headers.get('sl-violations');
        if (violations) flagged.push(`${request.method} ${request.url} ${response.status}: ${violations}`);
        return response;
      },
      baseUrl: prism!.url,
      adminEmail: 'admin@example.com',
      adminPassword: DEFAULT_ADMIN_PASSWORD,
      eventTimeoutMs: 30_000,
      report: (step, outcome) => steps.push(`${step}: ${outcome}`),
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${steps.join('\n')}\nPrism said:\n${complaints(prism!.output).join('\n')}`);
    });
    expect(steps).toHaveLength(7);
    expect(flagged).toEqual([]);
    expect(complaints(prism!.output)).toEqual([]);
    // The nine operations the journey uses went through, and Prism forwarded each request rather than answering it.
    expect(new Set(requests.map((r) => r.split(' ').slice(0, 2).join(' '))).size).toBeGreaterThanOrEqual(9);
    // Prism's log lines come through a pipe, a little after its answers.
    const forwarded = () => prism!.output.filter((line) => line.includes('Forwarding')).length;
    await vi.waitFor(() => expect(forwarded()).toBe(requests.length), { timeout: 5_000 });
  });

  it('when clients make the usual mistakes, then each problem answer (status, headers, body) is one the documents describe', { timeout: 60_000 }, async () => {
    const flagged: string[] = [];
    const { identity, product, billing } = platformClient(prism!.url, {
      fetch: async (request, init) => {
        const response = await fetch(request, init);
        const violations = response.headers.get('sl-violations');
        if (violations) flagged.push(`${request.method} ${request.url} ${response.status}: ${violations}`);
        return response;
      },
    });
    const email = `prism-${randomUUID().slice(0, 8)}@example.com`;
    const password = `Prism-${randomUUID()}!aA1`;
    const status = async (call: Promise<{ response: Response }>) => (await call).response.status;

    expect(await status(identity.POST('/identity/signup', { body: { email, password: 'password', name: 'Weak' } }))).toBe(400);
    expect(await status(identity.POST('/identity/signup', { body: { email, password, name: 'Prism' } }))).toBe(201);
    expect(await status(identity.POST('/identity/signup', { body: { email, password, name: 'Again' } }))).toBe(409);
    expect(await status(identity.POST('/identity/token', { body: { email, password: `${password}x` } }))).toBe(401);
    const { data: tokens } = await identity.POST('/identity/token', { body: { email, password } });
    const asUser = bearer(tokens!.accessToken);
    const sku = `PRISM-${randomUUID().slice(0, 8)}`;
    const body = { sku, name: 'Prism widget', priceCents: 100 };
    expect(await status(product.POST('/products', { ...asUser, body }))).toBe(403);
    const { data: admin } = await identity.POST('/identity/token', { body: { email: 'admin@example.com', password: DEFAULT_ADMIN_PASSWORD } });
    expect(await status(product.POST('/products', { ...bearer(admin!.accessToken), body }))).toBe(201);
    expect(await status(product.POST('/products', { ...bearer(admin!.accessToken), body }))).toBe(409);
    expect(await status(product.GET('/products/{id}', { params: { path: { id: randomUUID() } } }))).toBe(404);
    expect(await status(billing.GET('/billing/invoices/{id}', { ...asUser, params: { path: { id: randomUUID() } } }))).toBe(404);
    expect(flagged).toEqual([]);
  });

  it('when a request is not what the documents describe, then Prism refuses it (the check can fail on requests)', async () => {
    const response = await fetch(`${prism!.url}/identity/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'someone@example.com', password: 'Pa55word!', name: 'Someone', admin: true }),
    });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("found 'admin'");
  });

  it('when an answer is not what the document describes, then Prism flags it (the check can fail on responses)', { timeout: 60_000 }, async () => {
    // The same platform, seen through a document whose product list promises a field no product has.
    const drifted = structuredClone(platformDocument()) as unknown as {
      paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { properties: { items: { items: { required: string[] } } } } }> }> } }>;
    };
    drifted.paths['/products']!.get.responses['200']!.content['application/json']!.schema.properties.items.items.required.push('colour');
    const wrong = await startPrism(drifted as unknown as OpenApiDocument, platform!.gatewayUrl);
    try {
      const response = await fetch(`${wrong.url}/products?limit=1`);
      expect(response.status).toBe(500);
      expect(response.headers.get('sl-violations')).toContain("must have required property 'colour'");
      // Prism's log lines arrive a little after the answer; the details are in the header above.
      for (let tries = 0; tries < 50 && complaints(wrong.output).length === 0; tries++) await new Promise((r) => setTimeout(r, 100));
      expect(complaints(wrong.output).join('\n')).toContain('get /products');
    } finally {
      await wrong.stop();
    }
  });
});
