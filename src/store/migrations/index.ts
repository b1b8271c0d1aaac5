// The ordered list of store migrations, defined in code (no files to find at run time, so it works the same
// from src/ under vitest and from dist/). Names sort in the order they must run.

import type { Migration, MigrationProvider } from 'kysely';
import type { DialectTraits } from '../dialect.js';
import { initialMigration } from './0001-initial.js';
import { rolloutsMigration } from './0002-rollouts.js';
import { tokensAndAuditMigration } from './0003-tokens-and-audit.js';
import { leasesMigration } from './0004-leases.js';
import { pipelinesMigration } from './0005-pipelines.js';

export function storeMigrations(traits: DialectTraits): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialMigration(traits),
    '0002-rollouts': rolloutsMigration(traits),
    '0003-tokens-and-audit': tokensAndAuditMigration(traits),
    '0004-leases': leasesMigration(traits),
    '0005-pipelines': pipelinesMigration(traits),
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
