import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../../services/contracts/events';
import { failureKind } from '../../../../services/kit/bus/failures';

/** What the consumer's parse step throws for a body, as process-batch.ts runs it: JSON.parse, then parseEvent. */
function parseFailure(body: string): unknown {
  try {
    parseEvent(JSON.parse(body));
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${body} to fail`);
}

const envelope = { specversion: '1.0', id: 'ev-1', source: 'identity', time: '2026-12-04T00:00:00Z', subject: 'u', datacontenttype: 'application/json' };

describe('failureKind', () => {
  it.each([
    ['a body that is not JSON', '{"id":'],
    ['JSON that is no CloudEvents envelope', '{"hello":"world"}'],
    ['JSON null', 'null'],
  ])('when the body is %s, then it is malformed: dead-lettered at once', (_, body) => {
    expect(failureKind(false, parseFailure(body))).toBe('malformed');
  });

  it('when the envelope is sound but the catalogue refuses its type, then it is an invalid event: retried across a deploy', () => {
    const body = JSON.stringify({ ...envelope, type: 'identity.user.renamed', data: {} });
    expect(failureKind(false, parseFailure(body))).toBe('invalid');
  });

  it('when parsing throws anything else (a bug in a refinement, say), then it is retried as a failed handler, not dead-lettered on proof it has not got', () => {
    expect(failureKind(false, new TypeError("Cannot read properties of undefined (reading 'email')"))).toBe('handler');
    expect(failureKind(false, new RangeError('Maximum call stack size exceeded'))).toBe('handler');
  });

  it('when the event parsed and its handler threw, then it is a failed handler', () => {
    expect(failureKind(true, new SyntaxError('from inside the handler'))).toBe('handler');
  });
});
