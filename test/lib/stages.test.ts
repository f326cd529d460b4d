import { describe, expect, it } from 'vitest';
import { connectionBudgets, maxConnections } from '../../lib/connection-budget';
import { STAGE_NAMES, STAGES, stageSettings, withAlarmEmail, withCorsOrigins, withDatabaseAccess, withDatabaseAccessImage, withDeploymentRollback, withNatImage, withWaf, type StageSettings } from '../../lib/stages';

describe('stage settings', () => {
  it('when a known stage is asked for, then its settings come back', () => {
    expect(stageSettings('dev')).toBe(STAGES.dev);
    expect(stageSettings('prod').name).toBe('prod');
  });

  it('when an unknown or inherited name is asked for, then it refuses, naming what it got and what exists', () => {
    expect(() => stageSettings('staging')).toThrow('Unknown stage "staging": expected one of dev, prod');
    expect(() => stageSettings('toString')).toThrow(/Unknown stage "toString"/);
    expect(() => stageSettings(undefined)).toThrow(/Unknown stage "undefined"/);
  });

  it.each(STAGE_NAMES)('when %s drains a task, then it waits at most 30 s, and its tasks fit Fargate', (name) => {
    const { service } = STAGES[name];
    expect(service.deregistrationDelaySeconds).toBeLessThanOrEqual(30);
    expect([256, 512, 1024, 2048, 4096]).toContain(service.cpu);
    expect(service.memoryMiB).toBeGreaterThanOrEqual(service.cpu * 2);
    expect(service.minCapacity).toBeLessThanOrEqual(service.maxCapacity);
  });

  it('when prod, then data is protected: Multi-AZ, deletion protection, snapshots, one database per service', () => {
    expect(STAGES.prod.database).toMatchObject({ layout: 'per-service', multiAz: true, deletionProtection: true, removal: 'snapshot' });
    expect(STAGES.prod.network.nat).toBe('gateway-per-az');
    expect(STAGES.prod.protectData).toBe(true);
  });

  it('when prod is destroyed, then its log groups stay for audit; dev\'s go with it', () => {
    expect(STAGES.prod.logRemoval).toBe('retain');
    expect(STAGES.dev.logRemoval).toBe('destroy');
  });

  it.each(STAGE_NAMES)('when %s deploys at full scale, then every task\'s connections fit its instance\'s max_connections with headroom', (name) => {
    for (const budget of connectionBudgets(STAGES[name])) {
      expect(budget.needed, `${budget.services.join('+')}: ${budget.needed} needed, ${budget.allowed} allowed`).toBeLessThanOrEqual(budget.allowed);
    }
  });

  it('when a stage sizes its pools beyond the instance, then the budget says so', () => {
    const greedy: StageSettings = { ...STAGES.dev, service: { ...STAGES.dev.service, databasePoolMax: 10 } };
    const [shared] = connectionBudgets(greedy);
    // 3 services × 2 × maxCapacity 2 tasks × 10, 2 more for the bus in every task (all three are on it), and the
    // provisioning step's one connection per database.
    expect(shared).toMatchObject({ services: ['identity', 'product', 'billing'], needed: 3 * 4 * 10 + 3 * 4 * 2 + 3 });
    expect(shared!.needed).toBeGreaterThan(shared!.allowed);
  });

  it('when the instance class is known, then max_connections follows RDS\'s formula; when unknown, it says which', () => {
    // Below what a 1 GiB class is reported to allow (81 to 87), and what a db.t4g.small answered (181; the formula on
    // its full 2 GiB says 225): the budget must not count on more than the instance has.
    expect(maxConnections('t4g.micro')).toBe(79);
    expect(maxConnections('t4g.small')).toBe(180);
    expect(() => maxConnections('x1.huge')).toThrow(/unknown instance type "x1.huge"/);
  });

  it('when prod is synthesized without -c corsOrigins, then CORS allows no origin: no placeholder domain', () => {
    expect(STAGES.prod.corsOrigins).toEqual([]);
    expect(STAGES.dev.corsOrigins).toEqual(['*']);
  });

  it('when -c corsOrigins names https origins, then they replace the stage\'s; anything else is refused, naming the key', () => {
    expect(withCorsOrigins(STAGES.prod, 'https://app.example.org, https://admin.example.org:8443').corsOrigins).toEqual(['https://app.example.org', 'https://admin.example.org:8443']);
    expect(withCorsOrigins(STAGES.prod, undefined)).toBe(STAGES.prod);
    for (const bad of ['http://app.example.org', 'https://app.example.org/path', '*,https://a.example', 'app.example.org']) {
      expect(() => withCorsOrigins(STAGES.prod, bad), bad).toThrow(/-c corsOrigins: expected https origins/);
    }
  });

  it('when the stages are read, then prod has AWS WAF on and dev, for its $60 budget, off', () => {
    expect(STAGES.prod.waf.enabled).toBe(true);
    expect(STAGES.dev.waf.enabled).toBe(false);
  });

  it('when -c alarmEmail is given, then the stage subscribes it to the alarms; something that is not an address is refused, naming the key', () => {
    expect(withAlarmEmail(STAGES.prod, ' ops@example.org ').alarmEmail).toBe('ops@example.org');
    expect(withAlarmEmail(STAGES.prod, undefined)).toBe(STAGES.prod);
    for (const bad of ['ops', 'ops@example', 'a b@example.org', '']) {
      expect(() => withAlarmEmail(STAGES.prod, bad), bad).toThrow(/-c alarmEmail: expected an e-mail address/);
    }
  });

  it('when -c waf is given, then it turns the stage\'s WAF on or off; anything but true or false is refused, naming the key', () => {
    expect(withWaf(STAGES.dev, 'true').waf.enabled).toBe(true);
    expect(withWaf(STAGES.prod, false).waf.enabled).toBe(false);
    expect(withWaf(STAGES.dev, undefined)).toBe(STAGES.dev);
    expect(() => withWaf(STAGES.dev, 'yes')).toThrow(/-c waf: expected true or false; got "yes"/);
  });

  it('when -c deploymentRollback is given, then false deploys without rolling back on the fault alarm (an emergency fix); anything but true or false is refused, naming the key', () => {
    expect(STAGES.prod.deploymentRollback ?? true).toBe(true);
    expect(withDeploymentRollback(STAGES.prod, 'false').deploymentRollback).toBe(false);
    expect(withDeploymentRollback(STAGES.prod, undefined)).toBe(STAGES.prod);
    expect(() => withDeploymentRollback(STAGES.prod, 'off')).toThrow('-c deploymentRollback: expected true or false; got "off"');
  });

  it('when databaseAccess is given (-c or cdk.json), then true or false turn the operators\' database access host on or off; anything else is refused, naming the key', () => {
    expect(withDatabaseAccess(STAGES.dev, 'true').databaseAccess).toBe(true);
    expect(withDatabaseAccess(STAGES.dev, false).databaseAccess).toBe(false);
    expect(withDatabaseAccess(STAGES.dev, undefined)).toBe(STAGES.dev);
    expect(() => withDatabaseAccess(STAGES.dev, 'yes')).toThrow('-c databaseAccess: expected true or false; got "yes"');
  });

  it('when databaseAccessImageId is given, then the access host of either stage runs that image', () => {
    expect(withDatabaseAccessImage(STAGES.prod, ' ami-0123456789abcdef0 ').databaseAccessImageId).toBe('ami-0123456789abcdef0');
    expect(withDatabaseAccessImage(STAGES.dev, undefined)).toBe(STAGES.dev);
  });

  it('when databaseAccessImageId is not an image id, then it refuses even while the host is off, naming what it got', () => {
    expect(STAGES.dev.databaseAccess).toBe(false);
    expect(() => withDatabaseAccessImage(STAGES.dev, 'al2023')).toThrow('-c databaseAccessImageId must be an image id like ami-0123456789abcdef0; got "al2023"');
  });

  it('when natImageId is given, then dev\'s NAT instance runs that image; prod, whose NAT gateways have none, is left as it is', () => {
    expect(withNatImage(STAGES.dev, ' ami-0123456789abcdef0 ').network.natImageId).toBe('ami-0123456789abcdef0');
    expect(withNatImage(STAGES.dev, undefined)).toBe(STAGES.dev);
    expect(withNatImage(STAGES.prod, 'ami-0123456789abcdef0')).toBe(STAGES.prod);
  });
});
