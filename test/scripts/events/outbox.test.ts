import { describe, expect, it, vi } from 'vitest';
import { passwordCheckingServer } from '../../support/database-passwords';
import { databaseUrls, outboxStatusCommand } from '../../../scripts/events/outbox';

describe('outbox status', () => {
  it('when a database cannot be reached, then the command fails naming it, after its report line, instead of ending as if all were read', async () => {
    // Port 1 on loopback: refused at once.
    await expect(outboxStatusCommand(['postgres://postgres@127.0.0.1:1/identity'], false)).rejects.toThrow('outbox status: could not read identity');
  });

  it('when the server asks for a password and the URL has none, then the line says so and how to give it, not only node-postgres\'s SASL words', async () => {
    const server = await passwordCheckingServer();
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      const url = new URL(server.url);
      url.password = '';
      await expect(outboxStatusCommand([`${url.toString().replace(/\/$/, '')}/postgres`], false)).rejects.toThrow('outbox status: could not read postgres');
      expect(lines).toEqual([expect.stringMatching(/^postgres: .*client password must be a string \(the server asks for a password and the URL has none: add it as postgres:\/\/user:password@…, or use --local/)]);
    } finally {
      log.mockRestore();
      await server.stop();
    }
  });

  it.each(['nonsense', 'mysql://root:hunter2@db/app', 'postgres://[bad'])('when an argument is %j, then the error names it and what is expected, without its password', (given) => {
    expect(() => databaseUrls([given])).toThrow(/^outbox status: ".*" is not a postgres:\/\/ or postgresql:\/\/ URL$/);
    expect(() => databaseUrls([given])).not.toThrow(/hunter2/);
  });

  it('when a password holds a raw / (not percent-encoded), then the error says to encode it, without the password, instead of reading a host made of its tail', () => {
    expect(() => databaseUrls(['postgres://postgres:S3cret p@ss/%:#?&@127.0.0.1:5432'])).toThrow(/^outbox status: "postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432": its user or password holds a character that must be percent-encoded/);
    expect(() => databaseUrls(['postgres://postgres:S3cret p@ss/%:#?&@127.0.0.1:5432'])).not.toThrow(/S3cret/);
  });

  it('when a server URL names no database, then it stands for each producing service\'s database', () => {
    expect(databaseUrls(['postgres://u@h:5432'])).toEqual(['postgres://u@h:5432/identity', 'postgres://u@h:5432/billing']);
  });

  it('when a server URL carries options (sslmode=require), then each database\'s URL keeps them, so TLS is not dropped', () => {
    expect(databaseUrls(['postgres://u:p%2Fw@h:5432?sslmode=require&application_name=ops'])).toEqual([
      'postgres://u:p%2Fw@h:5432/identity?sslmode=require&application_name=ops',
      'postgres://u:p%2Fw@h:5432/billing?sslmode=require&application_name=ops',
    ]);
  });
});
