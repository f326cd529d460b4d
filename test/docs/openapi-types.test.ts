import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../../services/contracts/services';
import { renderTypes, typesFile } from '../../scripts/openapi-types';

describe('the typed client\'s types (scripts/smoke/api/)', () => {
  it.each(SERVICE_NAMES)('when the %s document is turned into types now, then they are the committed ones (else: npm run openapi:generate)', { timeout: 60_000 }, async (service) => {
    const committed = await readFile(typesFile(service), 'utf8');
    expect(committed).toContain('export interface paths');
    expect(await renderTypes(service)).toBe(committed);
  });
});
