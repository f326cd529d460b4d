import { describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN_PASSWORD } from '../../../services/local/config';
import { smokeDefaults, smokeOptionProblems } from '../../../scripts/smoke/options';

describe('the smoke journey\'s options', () => {
  it('when npm start\'s variables are set empty, then they count as unset, as npm start counts them', () => {
    expect(smokeDefaults({ GATEWAY_PORT: '', ADMIN_EMAIL: '', ADMIN_PASSWORD: '' })).toEqual({
      url: 'http://127.0.0.1:8080',
      adminEmail: 'admin@example.com',
      adminPassword: DEFAULT_ADMIN_PASSWORD,
    });
    expect(smokeDefaults({ GATEWAY_PORT: '32080' }).url).toBe('http://127.0.0.1:32080');
  });

  it.each(['nope', 'ftp://host', '127.0.0.1:8080'])('when --url is %j, then the problem names --url before any step runs', (url) => {
    expect(smokeOptionProblems({ url, eventTimeout: '30' })).toEqual([expect.stringMatching(/^--url must be an http:\/\/ or https:\/\/ URL/)]);
  });

  it.each(['0x10', '1e3', '99999', '0'])('when GATEWAY_PORT is %j and no --url is given, then the problem names GATEWAY_PORT, not a --url nobody typed', (port) => {
    const defaults = smokeDefaults({ GATEWAY_PORT: port });
    expect(smokeOptionProblems({ url: defaults.url, eventTimeout: '30', urlProblem: defaults.urlProblem })).toEqual([
      `GATEWAY_PORT, which the default --url is built from, must be a port number from 1 to 65535, digits only (got "${port}")`,
    ]);
    expect(smokeDefaults({ GATEWAY_PORT: '8081' }).urlProblem).toBeUndefined();
  });

  it('when --event-timeout is not a number of seconds, then the problem names it', () => {
    expect(smokeOptionProblems({ url: 'https://api.example.org/prod', eventTimeout: 'soon' })).toEqual([expect.stringMatching(/^--event-timeout/)]);
    expect(smokeOptionProblems({ url: 'https://api.example.org/prod', eventTimeout: '2.5' })).toEqual([]);
  });
});
