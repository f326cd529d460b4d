import { describe, expect, it } from 'vitest';
import { loadLocalConfig } from '../../../services/local/config';

describe('npm start\'s ADMIN_EMAIL', () => {
  it('when it has capitals, then the admin is made lower-case, as Identity signs every email in (so the admin can sign in)', () => {
    expect(loadLocalConfig({ ADMIN_EMAIL: 'Admin.Ops@Example.COM' }).ADMIN_EMAIL).toBe('admin.ops@example.com');
  });

  it('when it is unset or not an email, then the default, or an error naming it', () => {
    expect(loadLocalConfig({}).ADMIN_EMAIL).toBe('admin@example.com');
    expect(() => loadLocalConfig({ ADMIN_EMAIL: 'admin' })).toThrow(/ADMIN_EMAIL/);
  });
});
