/**
 * The services' body limit (docs/problems.md, `body-too-large`: over 1 MiB is 413): JSON bodies above it are refused before they are
 * buffered whole, and a request that declares one gets no 100 Continue. Its own module, so that the gateway, which
 * has no Express, can use it without loading the app.
 */
import type { IncomingHttpHeaders } from 'node:http';

export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/** Whether the request's `Content-Length` is over `maxBytes`: such a body is refused without reading any of it. */
export const declaresMoreThan = (headers: IncomingHttpHeaders, maxBytes: number): boolean => Number(headers['content-length']) > maxBytes;
