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

/** A small OpenAPI 3.1 document per service, with routes the page must show. */
const SAMPLES: Record<ServiceName, { prefix: string; title: string; paths: Record<string, string[]> }> = {
  identity: { prefix: '/identity', title: 'Identity API', paths: { '/identity/signup': ['post'], '/identity/me': ['get', 'patch'] } },
  product: { prefix: '/products', title: 'Product API', paths: { '/products': ['get', 'post'], '/products/{id}': ['get'] } },
  billing: { prefix: '/billing', title: 'Billing API', paths: { '/billing/invoices': ['get', 'post'], '/billing/invoices/{id}/pay': ['post'] } },
};

function document(service: ServiceName): string {
  const { title, paths } = SAMPLES[service];
  const operations = (methods: string[]) =>
    Object.fromEntries(methods.map((m) => [m, { summary: `${m} ${title}`, responses: { 200: { description: 'OK' } } }]));
  return JSON.stringify({
    openapi: '3.1.0',
    info: { title, version: '1.0.0' },
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

/** The operations Swagger UI rendered, as `METHOD /path`. */
async function renderedOperations(page: Page): Promise<string[]> {
  await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
  return page.locator('.opblock').evaluateAll((blocks) =>
    blocks.map((block) => {
      const method = block.querySelector('.opblock-summary-method')?.textContent ?? '';
      const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
      return `${method.trim().toUpperCase()} ${path}`;
    }),
  );
}

describe('when /docs is opened in a browser', () => {
  it('then the three APIs can be picked, each shows its routes, and nothing is loaded from elsewhere', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    // Offline by design: every file and document comes from the gateway itself, nothing from a CDN.
    page.on('request', (request) => request.url().startsWith(gateway.url) || problems.push(`off-site: ${request.url()}`));
    try {
      await page.goto(`${gateway.url}/docs`);
      const select = page.locator('#select');
      await select.waitFor({ timeout: 15_000 });
      expect(await select.locator('option').allTextContents()).toEqual(['Identity', 'Product', 'Billing']);
      for (const service of Object.keys(SAMPLES) as ServiceName[]) {
        const { prefix, title, paths } = SAMPLES[service];
        await select.selectOption(`${prefix}/openapi.json`);
        await page.locator('.info .title', { hasText: title }).waitFor({ timeout: 15_000 });
        const expected = Object.entries(paths).flatMap(([path, methods]) => methods.map((m) => `${m.toUpperCase()} ${path}`));
        expect((await renderedOperations(page)).sort()).toEqual(expected.sort());
      }
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
