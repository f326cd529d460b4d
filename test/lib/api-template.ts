/** A synthesized REST API read back as the edge it deploys: each method with its full resource path. */
import type { Template } from 'aws-cdk-lib/assertions';
import { resourcesOf } from './synth';

/** Each API Gateway resource's full path, from its PathPart and its parent's. */
export function resourcePaths(template: Template): Map<string, string> {
  const resources = resourcesOf(template, 'AWS::ApiGateway::Resource');
  const pathOf = (ref: unknown): string => {
    const id = (ref as { Ref?: string }).Ref;
    if (!id) return ''; // Fn::GetAtt RootResourceId
    const { PathPart, ParentId } = resources[id]!.Properties!;
    return `${pathOf(ParentId)}/${PathPart as string}`;
  };
  return new Map(Object.keys(resources).map((id) => [id, pathOf({ Ref: id })]));
}

export interface ApiMethod {
  /** `PUT /products/{id}`. */
  readonly key: string;
  readonly httpMethod: string;
  readonly path: string;
  readonly properties: Record<string, unknown>;
}

/** Every AWS::ApiGateway::Method of the template, preflights included. */
export function apiMethods(template: Template): ApiMethod[] {
  const paths = resourcePaths(template);
  return Object.values(resourcesOf(template, 'AWS::ApiGateway::Method')).map(({ Properties: p = {} }) => {
    const path = paths.get((p.ResourceId as { Ref?: string }).Ref ?? '') ?? '/';
    return { key: `${p.HttpMethod as string} ${path}`, httpMethod: p.HttpMethod as string, path, properties: p };
  });
}

/** `$util.escapeJavaScript` as API Gateway documents it (Apache Commons Lang's JavaScript rules): `'` becomes `\'`. */
export function escapeJavaScript(text: string): string {
  const named: Record<string, string> = { "'": "\\'", '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\n': '\\n', '\t': '\\t', '\f': '\\f', '\r': '\\r' };
  return [...text]
    .map((char) => {
      const code = char.codePointAt(0)!;
      if (named[char]) return named[char];
      // Java escapes UTF-16 units: a character beyond U+FFFF becomes its two surrogates.
      if (code < 32 || code > 0x7f) return unicodeEscape(char);
      return char;
    })
    .join('');
}

const unicodeEscape = (char: string) =>
  Array.from({ length: char.length }, (_, i) => `\\u${char.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`).join('');

/**
 * The body API Gateway renders from the 405 template for a request to `path`: the `#set` line evaluated as written
 * (escapeJavaScript, then `\'` back to `'`), `$context.requestId` filled in.
 */
export function renderMethodNotAllowed(template: string, path: string, requestId: string): string {
  const [set, ...body] = template.split('\n');
  if (set !== `#set($instance = $util.escapeJavaScript($context.path).replaceAll("\\\\'", "'"))`) throw new Error(`unexpected first line ${set}`);
  const instance = escapeJavaScript(path).replaceAll("\\'", "'");
  return body.join('\n').replaceAll('$instance', instance).replaceAll('$context.requestId', requestId);
}
