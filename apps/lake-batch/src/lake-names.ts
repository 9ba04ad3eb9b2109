import type { StratusConfig } from '@stratus/config';
import type { LakeNames } from './batch-plan.ts';

/** The catalog alias every engine attaches the lake's REST catalog under. */
export const CATALOG = 'lake';

/** The tables the batch job reads and writes, from the config. */
export function lakeNames(config: StratusConfig): LakeNames {
  const { lake } = config;
  return {
    catalog: CATALOG,
    namespace: lake.catalog.namespace,
    events: lake.tables.events,
    windows: lake.tables.windows,
    minute: lake.batch.tables.minute,
    hour: lake.batch.tables.hour,
    day: lake.batch.tables.day,
    reconciliation: lake.batch.tables.reconciliation,
  };
}

/** Every table maintenance looks after: the archiver's and the batch job's. */
export function maintainedTables(config: StratusConfig): string[] {
  const names = lakeNames(config);
  return [names.events, names.windows, config.lake.tables.positions, names.minute, names.hour, names.day, names.reconciliation];
}

/** The arguments of spark/maintenance.py. */
export function maintenanceArgs(config: StratusConfig): string[] {
  const m = config.lake.maintenance;
  return [
    '--catalog',
    CATALOG,
    '--namespace',
    config.lake.catalog.namespace,
    '--tables',
    maintainedTables(config).join(','),
    '--snapshot-retention-hours',
    String(m.snapshotRetentionHours),
    '--retain-last',
    String(m.retainLastSnapshots),
    '--orphan-min-age-hours',
    String(m.orphanMinAgeHours),
    '--target-file-size-mib',
    String(m.targetFileSizeMiB),
  ];
}
