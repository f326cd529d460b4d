/**
 * `/docs`: Swagger UI for every service's OpenAPI document, served from the swagger-ui-dist package on disk
 * (no CDN: the platform runs offline). The list of documents comes from the route table: every public
 * `GET /<prefix>/openapi.json` route, so a new service appears here without touching the gateway. The page
 * shows them as one API, grouped by tag: each service's document has one tag, so each service is a group.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RouteDefinition } from '../contracts/routes';

export interface ApiDocument {
  readonly name: string;
  readonly url: string;
}

export interface DocsAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

const DIST = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** Files of the package the page loads, by the name they are served under. */
const PACKAGE_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** Swagger UI sets inline styles and shows data: images; scripts and fetches stay on this origin. */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

export function apiDocuments(routes: readonly RouteDefinition[]): ApiDocument[] {
  return routes
    .filter((route) => route.method === 'GET' && route.auth === 'public' && route.path.endsWith('/openapi.json'))
    .map((route) => ({ name: route.service.charAt(0).toUpperCase() + route.service.slice(1), url: route.path }));
}

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>API documentation</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="/docs/index.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/docs/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

/**
 * Runs in the browser. It loads every document and shows them as one, grouped by tag (one per service), so the
 * page lists the whole API; an operation without tags goes under its document's name. A document that cannot
 * be loaded is named at the top instead of hiding the others. Plain ES2017, no modules: it is served as is.
 */
const MERGE_DOCUMENTS = `function mergeDocuments(loaded) {
  var merged = { openapi: '3.1.0', info: { title: 'Platform API', version: '1.0.0' }, servers: [{ url: '/', description: 'This gateway' }], tags: [], paths: {}, components: {} };
  var lines = ['Every service of the platform, grouped by service. Each service serves its own document:'];
  loaded.forEach(function (entry) {
    if (!entry.spec) {
      lines.push('- ' + entry.name + ': [' + entry.url + '](' + entry.url + ') could not be loaded (' + entry.error + ')');
      return;
    }
    var spec = entry.spec;
    lines.push('- ' + entry.name + ': [' + entry.url + '](' + entry.url + ')');
    if (spec.openapi) merged.openapi = spec.openapi;
    if (spec.info && spec.info.version) merged.info.version = spec.info.version;
    var tags = spec.tags && spec.tags.length ? spec.tags : [{ name: entry.name, description: spec.info && spec.info.description }];
    tags.forEach(function (tag) {
      if (!merged.tags.some(function (known) { return known.name === tag.name; })) merged.tags.push(tag);
    });
    Object.keys(spec.paths || {}).forEach(function (path) {
      var item = spec.paths[path];
      Object.keys(item).forEach(function (method) {
        var operation = item[method];
        if (operation && typeof operation === 'object' && 'responses' in operation && !(operation.tags && operation.tags.length)) operation.tags = [entry.name];
      });
      merged.paths[path] = item;
    });
    Object.keys(spec.components || {}).forEach(function (kind) {
      merged.components[kind] = Object.assign({}, spec.components[kind], merged.components[kind]);
    });
  });
  merged.info.description = lines.join('\\n');
  return merged;
}`;

/** A script file rather than inline, so the page's CSP can forbid inline scripts. */
function initializer(documents: readonly ApiDocument[]): string {
  return `${MERGE_DOCUMENTS}

window.onload = function () {
  var documents = ${JSON.stringify(documents)};
  Promise.all(documents.map(function (document) {
    return fetch(document.url, { headers: { accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('it answered ' + response.status);
        return response.json();
      })
      .then(
        function (spec) { return { name: document.name, url: document.url, spec: spec }; },
        function (error) { return { name: document.name, url: document.url, error: error.message }; },
      );
  })).then(function (loaded) {
    window.ui = SwaggerUIBundle({
      spec: mergeDocuments(loaded),
      dom_id: '#swagger-ui',
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: 'BaseLayout',
      docExpansion: 'list',
    });
  });
};
`;
}

export class DocsSite {
  private readonly assets = new Map<string, Promise<DocsAsset>>();

  constructor(private readonly documents: readonly ApiDocument[]) {
    this.assets.set('', Promise.resolve(text(PAGE, 'text/html; charset=utf-8')));
    this.assets.set('swagger-initializer.js', Promise.resolve(text(initializer(documents), 'text/javascript; charset=utf-8')));
  }

  /** The asset for `/docs`, `/docs/` or `/docs/<file>`; `undefined` for any other path. */
  asset(urlPath: string): Promise<DocsAsset> | undefined {
    if (urlPath !== '/docs' && !urlPath.startsWith('/docs/')) return undefined;
    const name = urlPath.slice('/docs/'.length);
    const cached = this.assets.get(name);
    if (cached) return cached;
    // Own keys only: `/docs/constructor` or `/docs/__proto__` found what every object inherits, and the read of
    // that file under the package failed, a 500 for anyone.
    const contentType = Object.hasOwn(PACKAGE_FILES, name) ? PACKAGE_FILES[name] : undefined;
    if (!contentType) return undefined;
    // Read once, on first request: the bundle is 1.7 MB and most gateway runs never open the docs.
    const loading = readFile(path.join(DIST, name)).then(
      (body) => ({ contentType, body }),
      (error: unknown) => {
        this.assets.delete(name); // a failed read is retried on the next request, not remembered
        throw error;
      },
    );
    this.assets.set(name, loading);
    return loading;
  }
}

function text(body: string, contentType: string): DocsAsset {
  return { contentType, body: Buffer.from(body) };
}
