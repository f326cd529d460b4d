/**
 * The services' body limit (CONTRACT.md: over 1 MiB is 413): JSON bodies above it are refused before they are
 * buffered whole, and a request that declares one gets no 100 Continue. Its own module, so that the gateway, which
 * has no Express, can default to it without loading the app.
 */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
