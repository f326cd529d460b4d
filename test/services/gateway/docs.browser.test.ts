/**
 * /docs in a real browser, driven by playwright-core, against the gateway in front of small servers that publish
 * sample OpenAPI documents. The browser is CHROMIUM_PATH, else a system Chromium or Chrome, else the Chromium
 * shipped in the @sparticuz/chromium dev dependency (test/support/browser.ts), so it runs on a machine with no
 * browser installed, as in CI (.ci/run installs none). A CHROMIUM_PATH that points at nothing fails the test.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceName } from '../../../services/contracts/services';
import { launchBrowser } from '../../support/browser';
import { startTestGateway, startUpstream, type TestServer, type Upstream } from './support';

/** A small OpenAPI 3.1 document per service, with routes the page must show; Billing's has no tags. */
const SAMPLES: Record<ServiceName, { prefix: string; tag?: string; paths: Record<string, string[]> }> = {
  identity: { prefix: '/identity', tag: 'Identity', paths: { '/identity/signup': ['post'], '/identity/me': ['get', 'patch'] } },
  product: { prefix: '/products', tag: 'Product', paths: { '/products': ['get', 'post'], '/products/{id}': ['get'] } },
  billing: { prefix: '/billing', paths: { '/billing/invoices': ['get', 'post'], '/billing/invoices/{id}/pay': ['post'] } },
};

function document(service: ServiceName): string {
  const { tag, paths } = SAMPLES[service];
  const operations = (methods: string[]) =>
    Object.fromEntries(methods.map((m) => [m, { summary: `${m} ${service}`, ...(tag ? { tags: [tag] } : {}), responses: { 200: { description: 'OK' } } }]));
  return JSON.stringify({
    openapi: '3.1.0',
    info: { title: `${service} API`, version: '1.0.0' },
    ...(tag ? { tags: [{ name: tag, description: `The ${service} routes` }] } : {}),
    paths: Object.fromEntries(Object.entries(paths).map(([path, methods]) => [path, operations(methods)])),
  });
}

let upstreams: Upstream[] = [];
let gateway: TestServer;
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser(); // first, so a bad CHROMIUM_PATH fails before any server starts
  const services = Object.keys(SAMPLES) as ServiceName[];
  upstreams = await Promise.all(
    services.map((service) =>
      startUpstream(service, (req, res) => {
        const found = req.url === `${SAMPLES[service].prefix}/openapi.json`;
        res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' }).end(found ? document(service) : '{}');
      }),
    ),
  );
  const urls = Object.fromEntries(services.map((s, i) => [s, (upstreams[i] as Upstream).url])) as Record<ServiceName, string>;
  gateway = await startTestGateway({ upstreams: urls });
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await Promise.all(upstreams.map((u) => u.close()));
});

/** The groups Swagger UI rendered, in order, each with its operations as `METHOD /path`. */
async function renderedGroups(page: Page): Promise<Array<[string, string[]]>> {
  await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
  return page.locator('.opblock-tag-section').evaluateAll((sections) =>
    sections.map((section): [string, string[]] => [
      section.querySelector('.opblock-tag')?.getAttribute('data-tag') ?? '',
      [...section.querySelectorAll('.opblock')].map((block) => {
        const method = block.querySelector('.opblock-summary-method')?.textContent ?? '';
        const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
        return `${method.trim().toUpperCase()} ${path}`;
      }),
    ]),
  );
}

describe('when /docs is opened in a browser', () => {
  it('then the three APIs show on one page, one group per service (by tag, else by document), and nothing is loaded from elsewhere', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    // Offline by design: every file and document comes from the gateway itself, nothing from a CDN.
    page.on('request', (request) => request.url().startsWith(gateway.url) || problems.push(`off-site: ${request.url()}`));
    try {
      await page.goto(`${gateway.url}/docs`);
      const groups = await renderedGroups(page);
      const expected = (Object.keys(SAMPLES) as ServiceName[]).map((service): [string, string[]] => {
        const { tag, paths } = SAMPLES[service];
        const operations = Object.entries(paths).flatMap(([path, methods]) => methods.map((m) => `${m.toUpperCase()} ${path}`));
        return [tag ?? service.charAt(0).toUpperCase() + service.slice(1), operations];
      });
      expect(groups.map(([tag, operations]) => [tag, [...operations].sort()])).toEqual(expected.map(([tag, operations]) => [tag, [...operations].sort()]));
      for (const { prefix } of Object.values(SAMPLES)) await page.locator('.info a', { hasText: `${prefix}/openapi.json` }).waitFor({ timeout: 5_000 });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('when a service cannot give its document', () => {
  it('then the page names it and still shows the others', async () => {
    const down = await startUpstream('billing', (_req, res) => res.writeHead(503, { 'content-type': 'application/problem+json' }).end('{}'));
    const partial = await startTestGateway({ upstreams: { identity: upstreams[0]!.url, product: upstreams[1]!.url, billing: down.url } });
    // A browser of its own: the bundled Chromium runs as one process, which ends with its last page.
    const own = await launchBrowser();
    const page = await own.newPage();
    try {
      await page.goto(`${partial.url}/docs`);
      expect((await renderedGroups(page)).map(([tag]) => tag)).toEqual(['Identity', 'Product']);
      await page.locator('.info li', { hasText: '/billing/openapi.json could not be loaded (it answered 503)' }).waitFor({ timeout: 5_000 });
    } finally {
      await own.close();
      await partial.close();
      await down.close();
    }
  });
});
