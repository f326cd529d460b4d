/**
 * The stateful stack: the network and the databases. It changes rarely and its logical ids are pinned by tests,
 * because renaming a construct here would make CloudFormation replace a database.
 */
import { Stack, type StackProps, Token } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { databaseAppRole, databaseRole } from '../services/contracts/database-roles';
import { perService, SERVICE_NAMES, SERVICES, type ServiceName } from '../services/contracts/services';
import { type DatabaseConnection, PostgresDatabase } from './constructs/database';
import { NatCreditAlarm, natCreditAlarmName } from './constructs/nat-credit-alarm';
import { Network } from './constructs/network';
import { instanceIdentifier, snapshotLocation } from './database-restore';
import type { StageSettings } from './stages';

export interface DataStackProps extends StackProps {
  readonly stage: StageSettings;
}

export class DataStack extends Stack {
  public readonly vpc: IVpc;
  public readonly databases: Readonly<Record<ServiceName, DatabaseConnection>>;
  /** Every RDS instance, once each (one when the layout is shared). */
  public readonly instances: readonly PostgresDatabase[];
  /** The alarms on the NAT instances' surplus CPU credits (none with NAT gateways), which the app stack forwards by name. */
  public readonly natCreditAlarmNames: readonly string[];

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const retention = stage.logRetentionDays;
    const { logRemoval } = stage;

    const network = new Network(this, 'Network', { ...stage.network, logRetention: retention, logRemoval });
    this.vpc = network.vpc;
    // The names as written, not the alarms' (a reference the app stack would import).
    this.natCreditAlarmNames = network.burstableNatInstances.map((instance, index) => {
      const alarmName = natCreditAlarmName(`platform-${stage.name}`, index);
      new NatCreditAlarm(this, `NatCredits${index}`, { instance, alarmName });
      return alarmName;
    });
    const { layout, restoreFrom, ...instanceSettings } = stage.database;

    const login = (name: ServiceName) => ({ database: SERVICES[name].database, user: databaseRole(name), appUser: databaseAppRole(name) });
    const database = (id: string, name: string, services: readonly ServiceName[]) => {
      const identifier = instanceIdentifier(stage.name, name);
      const snapshot = restoreFrom?.[identifier];
      if (snapshot) this.checkSnapshotIsHere(identifier, snapshot);
      return new PostgresDatabase(this, id, {
        vpc: this.vpc,
        instanceIdentifier: identifier,
        logins: services.map(login),
        ...instanceSettings,
        ...(snapshot ? { snapshotIdentifier: snapshot } : {}),
        logRetention: retention,
        logRemoval,
      });
    };

    if (layout === 'shared') {
      const shared = database('SharedDatabase', 'shared', SERVICE_NAMES);
      this.instances = [shared];
      this.databases = perService((name) => shared.connectionFor(SERVICES[name].database));
    } else {
      const own = perService((name) => database(`${capitalize(name)}Database`, name, [name]));
      this.instances = Object.values(own);
      this.databases = perService((name) => own[name].connectionFor(SERVICES[name].database));
    }
  }

  /** RDS restores only from a snapshot in the instance's own region and account (copy it there first). */
  private checkSnapshotIsHere(identifier: string, snapshot: string): void {
    const location = snapshotLocation(snapshot);
    if (!location) return;
    for (const [what, own] of [['region', this.region], ['account', this.account]] as const) {
      if (!Token.isUnresolved(own) && location[what] !== own) {
        throw new Error(`restoreFrom ${identifier}: the snapshot is in ${what} ${location[what]}, the stack in ${own}; copy it first (aws rds copy-db-snapshot)`);
      }
    }
  }
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
