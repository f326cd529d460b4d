import { describe, expect, it } from 'vitest';
import { STAGE_NAMES, STAGES, stageSettings } from '../../lib/stages';

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
});
