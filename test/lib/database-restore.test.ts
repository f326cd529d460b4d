import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { withRestoredDatabases } from '../../lib/database-restore';
import { DataStack } from '../../lib/data-stack';
import { STAGES } from '../../lib/stages';
import { nagFacts } from './nag-facts';
import { stageTemplates } from './stage-templates';
import { disposeTestApps, resourcesOf, testApp, TEST_ENV } from './synth';

afterEach(disposeTestApps);

/** The run's synthesis of each stage, as deployed without a restore. */
const synthesized = await stageTemplates();

/** A template's JSON with asset hashes left out: this test's functions are not built, the run's are. */
const normalised = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replace(/[0-9a-f]{64}/g, '<asset-hash>'));

/** A final snapshot as CloudFormation names it: `<stack>-<logical id>-<random>`. */
const SNAPSHOT = 'arn:aws:rds:us-east-1:123456789012:snapshot:platform-prod-data-identitydatabaseinstance5a7b4e2f-k2ujwyjy1xvd';

describe('restoreFrom: databases made from a snapshot', () => {
  it('when a stage\'s instance is named, with an id or an ARN, as an object or as JSON text, then that instance gets it; other stages\' entries are left alone', () => {
    const restored = withRestoredDatabases(STAGES.prod, { 'platform-prod-identity': SNAPSHOT, 'platform-dev-shared': 'rds:platform-dev-shared-2026-12-01-03-10' });
    expect(restored.database.restoreFrom).toEqual({ 'platform-prod-identity': SNAPSHOT });
    expect(withRestoredDatabases(STAGES.dev, '{"platform-dev-shared":"my-copy-1"}').database.restoreFrom).toEqual({ 'platform-dev-shared': 'my-copy-1' });
    expect(withRestoredDatabases(STAGES.dev, { 'platform-prod-identity': SNAPSHOT })).toBe(STAGES.dev);
    expect(withRestoredDatabases(STAGES.dev, undefined)).toBe(STAGES.dev);
  });

  it.each<[string, unknown, RegExp]>([
    ['text that is not JSON', '{platform-prod-identity: x}', /restoreFrom: expected JSON/],
    ['a list', ['x'], /restoreFrom: expected an object of instance identifier → snapshot/],
    ['a misspelt instance', { 'platform-prod-idnetity': 'x' }, /no stage has an instance named platform-prod-idnetity; the instances are platform-dev-shared, .*platform-prod-billing/],
    ['an instance the stage\'s layout does not have', { 'platform-prod-shared': 'x' }, /the prod stage \(per-service layout\) has no instance platform-prod-shared; its instances are platform-prod-identity, platform-prod-product, platform-prod-billing/],
    ['a snapshot that is no identifier', { 'platform-prod-identity': 'my snapshot; DROP' }, /platform-prod-identity: expected a snapshot identifier or ARN; got "my snapshot; DROP"/],
    ['a number', { 'platform-prod-identity': 7 }, /platform-prod-identity: expected a snapshot identifier or ARN; got 7/],
    ['an identifier RDS would refuse (double or trailing hyphen)', { 'platform-prod-identity': 'final--copy-' }, /platform-prod-identity: expected a snapshot identifier or ARN; got "final--copy-"/],
  ])('when given %s, then synthesis stops naming what is wrong', (_case, value, message) => {
    expect(() => withRestoredDatabases(STAGES.prod, value)).toThrow(message);
  });

  it('when prod\'s identity instance is restored, then it alone is made from the snapshot, under the same logical id, with a new master password, and passes cdk-nag', () => {
    const plain = resourcesOf(synthesized.prod.dataTemplate, 'AWS::RDS::DBInstance');
    const test = testApp({ bundle: false });
    const data = new DataStack(test.app, 'platform-prod-data', { stage: withRestoredDatabases(STAGES.prod, { 'platform-prod-identity': SNAPSHOT }), env: TEST_ENV });
    test.app.synth();
    const instances = resourcesOf(Template.fromStack(data), 'AWS::RDS::DBInstance');
    expect(Object.keys(instances).sort()).toEqual(Object.keys(plain).sort());
    const restored = Object.entries(instances).filter(([, instance]) => instance.Properties?.DBSnapshotIdentifier !== undefined);
    expect(restored.map(([id]) => id)).toEqual([expect.stringMatching(/^IdentityDatabaseInstance/)]);
    const [id, identity] = restored[0]!;
    expect(identity.Properties).toMatchObject({ DBSnapshotIdentifier: SNAPSHOT, DBInstanceIdentifier: 'platform-prod-identity', EnableIAMDatabaseAuthentication: true, DeletionProtection: true });
    expect(identity.Properties).not.toHaveProperty('MasterUsername');
    expect(identity.Properties).not.toHaveProperty('DBName');
    expect(JSON.stringify(identity.Properties?.MasterUserPassword)).toContain('IdentityDatabaseInstanceSecret');
    // Everything else about the instance is as it was: only the snapshot, the password's source and what the snapshot carries differ.
    const { DBSnapshotIdentifier: _snapshot, MasterUserPassword: _password, ...rest } = identity.Properties!;
    const { MasterUsername: _user, MasterUserPassword: _plainPassword, DBName: _name, StorageEncrypted: _encrypted, AllocatedStorage: size, ...plainRest } = plain[id]!.Properties!;
    expect(rest).toEqual(plainRest);
    // The snapshot's size: asking for the stage's (20 GiB) would make RDS shrink an instance that had grown.
    expect(size).toBe('20');
    expect(identity.Properties).not.toHaveProperty('AllocatedStorage');
    // And nothing else in the stack changed.
    const others = (template: Template) => normalised(Object.fromEntries(Object.entries(template.toJSON().Resources as Record<string, unknown>).filter(([key]) => key !== id)));
    expect(others(Template.fromStack(data))).toEqual(others(synthesized.prod.dataTemplate));
    expect(nagFacts(test.app).findings).toEqual([]);
  });

  it.each([
    ['another region', 'arn:aws:rds:eu-west-1:123456789012:snapshot:my-copy', /the snapshot is in region eu-west-1, the stack in us-east-1; copy it first/],
    ['another account', 'arn:aws:rds:us-east-1:210987654321:snapshot:my-copy', /the snapshot is in account 210987654321, the stack in 123456789012; copy it first/],
  ])('when the snapshot is in %s, then synthesis stops: RDS restores only from its own region and account', (_case, snapshot, message) => {
    const test = testApp({ bundle: false });
    expect(() => new DataStack(test.app, 'platform-prod-data', { stage: withRestoredDatabases(STAGES.prod, { 'platform-prod-identity': snapshot }), env: TEST_ENV })).toThrow(message);
  });
});
