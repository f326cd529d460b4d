/** Shared pieces of the services' OpenAPI documents. */
import { z } from 'zod';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

/** What a status means on every route that has it; others read `Problem (<status>)`. */
const MEANINGS: Readonly<Record<number, string>> = {
  413: 'The body is over 1 MiB',
  415: 'The body is not application/json',
};

/** `{ 404: { description, content: application/problem+json } }` for each status given. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: MEANINGS[status] ?? `Problem (${status})`, content: { 'application/problem+json': { schema: problemSchema } } },
    ]),
  );
}

/** The answers of every POST, PUT or PATCH, which takes JSON only (services/kit/http/app.ts). */
export const JSON_BODY_STATUSES = [413, 415] as const;
