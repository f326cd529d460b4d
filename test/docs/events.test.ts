/**
 * The pages that list the event catalogue say what services/contracts/events.ts says: every type, its producer,
 * its consumers, its data fields, and its worst size. Nothing else checked them, so a type added to the catalogue
 * (or a consumer, or a field) left the tables behind without a sound.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_CATALOG, EVENT_TYPES, type EventType } from '../../services/contracts/events';

/** The rows of the first table under `heading` (`## Catalogue`), by the event type in their first cell. */
function tableUnder(file: string, heading: string): Map<string, string[]> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((line) => line === heading);
  if (start < 0) throw new Error(`${file} has no heading "${heading}"`);
  const rows = new Map<string, string[]>();
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,3} /.test(line)) break;
    if (!line.startsWith('|')) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const cells = line.split(' | ').map((cell) => cell.replace(/^\|\s*|\s*\|$/g, '').trim());
    const type = /^`([a-z0-9.]+)`$/.exec(cells[0] ?? '')?.[1];
    if (type) rows.set(type, cells);
  }
  return rows;
}

/** The catalogue's types a table leaves out, and the types it lists that the catalogue does not have. */
const drift = (rows: Map<string, string[]>) => ({
  notListed: EVENT_TYPES.filter((type) => !rows.has(type)),
  notInCatalogue: [...rows.keys()].filter((type) => !(EVENT_TYPES as string[]).includes(type)),
});
const NO_DRIFT = { notListed: [], notInCatalogue: [] };

const expected = (type: EventType) => ({
  type,
  producer: EVENT_CATALOG[type].producer,
  consumers: [...EVENT_CATALOG[type].consumers].sort(),
});

/** `billing: opens the account; product: refuses …` → the consumers it names. */
const consumersIn = (cell: string | undefined) => [...(cell ?? '').matchAll(/(?:^|; )([a-z]+):/g)].map((match) => match[1]).sort();

describe('the event tables of the docs', () => {
  it('when docs/events.md lists the catalogue, then each type has its producer, data fields and consumers, and no other type is listed', () => {
    const rows = tableUnder('docs/events.md', '## Catalogue');
    expect(drift(rows), 'docs/events.md, "Catalogue"').toEqual(NO_DRIFT);
    for (const type of EVENT_TYPES) {
      const [, producer, data, consumers] = rows.get(type) ?? [];
      expect({ type, producer, consumers: consumersIn(consumers) }).toEqual(expected(type));
      expect(data, `${type}'s data in docs/events.md`).toBe(`\`{${Object.keys(EVENT_CATALOG[type].data.shape).join(', ')}}\``);
    }
  });

  it('when the README lists the events, then each type has its producer and consumers, and no other type is listed', () => {
    const rows = tableUnder('README.md', '## Events');
    expect(drift(rows), 'README.md, "Events"').toEqual(NO_DRIFT);
    for (const type of EVENT_TYPES) {
      const [, producer, consumers] = rows.get(type) ?? [];
      expect({ type, producer, consumers: consumersIn(consumers) }).toEqual(expected(type));
    }
  });

  it('when docs/events.md bounds each event\'s size, then every type of the catalogue has its row', () => {
    const rows = tableUnder('docs/events.md', '## Event size');
    expect(drift(rows), 'docs/events.md, "Event size"').toEqual(NO_DRIFT);
  });
});
