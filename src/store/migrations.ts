/**
 * Versioned migrations, in code. Applied on open through Kysely's Migrator; the applied
 * names are kept in the table kysely_migration (Kysely's default), and Kysely's migration
 * lock keeps two processes from migrating at once. Migrations are forward-only: a new
 * version adds a new entry (0002_...), an applied entry is never edited.
 *
 * DDL goes through Kysely's schema builder; the only engine branch is the autoincrement
 * id (SQLite `integer primary key autoincrement`, PostgreSQL identity) and the width of
 * the protocol sequence number.
 */
import { Migrator, sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider, MigrationResultSet } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

/** The SHA-256 "previous hash" of the first protocol entry. */
export const GENESIS_HASH = '0'.repeat(64);

function migrations(engine: Engine): Record<string, Migration> {
  // Kysely<any> is the documented type for migrations: they must not depend on the
  // current Database interface, which describes the latest version only.
  /* eslint-disable @typescript-eslint/no-explicit-any */
  return {
    '0001_initial': {
      async up(db: Kysely<any>): Promise<void> {
        const id = (table: string) =>
          db.schema
            .createTable(table)
            .addColumn('id', 'integer', (c) =>
              engine === 'sqlite'
                ? c.primaryKey().autoIncrement()
                : c.primaryKey().generatedByDefaultAsIdentity(),
            );

        await db.schema
          .createTable('gemeente')
          .addColumn('code', 'text', (c) => c.primaryKey())
          .addColumn('naam', 'text', (c) => c.notNull())
          .addColumn('oin', 'text', (c) => c.notNull())
          .addColumn('methode', 'text', (c) => c.notNull())
          .addColumn('deadline_ms', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('gemeente_oin').on('gemeente').columns(['oin', 'code']).execute();

        await db.schema
          .createTable('gemeente_endpoint')
          .addColumn('gemeente', 'text', (c) => c.notNull().references('gemeente.code').onDelete('cascade'))
          .addColumn('dienst', 'text', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('versie', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('gemeente_endpoint_pk', ['gemeente', 'dienst'])
          .execute();

        await db.schema
          .createTable('afnemer')
          .addColumn('oin', 'text', (c) => c.primaryKey())
          .addColumn('naam', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('afnemer_dienst')
          .addColumn('afnemer', 'text', (c) => c.notNull().references('afnemer.oin').onDelete('cascade'))
          .addColumn('dienst', 'text', (c) => c.notNull())
          .addColumn('versies', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('afnemer_dienst_pk', ['afnemer', 'dienst'])
          .execute();

        // Verwijsindex registrations; the primary key is the BSN lookup index.
        await db.schema
          .createTable('aanmelding')
          .addColumn('bsn', 'text', (c) => c.notNull())
          .addColumn('gemeente', 'text', (c) => c.notNull())
          .addColumn('cluster', 'text', (c) => c.notNull())
          .addColumn('sinds', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('aanmelding_pk', ['bsn', 'gemeente', 'cluster'])
          .execute();

        await id('levering')
          .addColumn('gemeente', 'text', (c) => c.notNull())
          .addColumn('soort', 'text', (c) => c.notNull())
          .addColumn('bestand_hash', 'text', (c) => c.notNull())
          .addColumn('bestandsnaam', 'text')
          .addColumn('formaat_versie', 'text')
          .addColumn('aangemaakt', 'text')
          .addColumn('ontvangen', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('samenvatting', 'text')
          .addColumn('rapport', 'text')
          .addColumn('generatie_id', 'integer')
          .addColumn('bijgewerkt', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('levering_gemeente').on('levering').columns(['gemeente', 'id']).execute();
        await db.schema
          .createIndex('levering_hash')
          .on('levering')
          .columns(['gemeente', 'bestand_hash', 'status'])
          .execute();

        // Generations of delivered data sets. Not tied to the registry by a foreign key:
        // the registry is configuration, the data sets are data (see README.md).
        await id('generatie')
          .addColumn('gemeente', 'text', (c) => c.notNull())
          .addColumn('levering_id', 'integer')
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('aangemaakt', 'text', (c) => c.notNull())
          .addColumn('bijgewerkt', 'text', (c) => c.notNull())
          .addColumn('actief_sinds', 'text')
          .addColumn('vervallen_sinds', 'text')
          .addColumn('aantal', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('aantal_verwijzingen', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('wijziging', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createIndex('generatie_gemeente')
          .on('generatie')
          .columns(['gemeente', 'status'])
          .execute();
        // At most one active generation per gemeente, enforced by the database.
        await db.schema
          .createIndex('generatie_een_actief')
          .on('generatie')
          .column('gemeente')
          .unique()
          .where(sql<boolean>`status = 'actief'`)
          .execute();

        // Dossiers: the primary key serves writes, mutaties, paging and cleanup per
        // generation; dossier_bsn serves the lookup by BSN (one probe, then the generation
        // by its primary key).
        await db.schema
          .createTable('dossier')
          .addColumn('generatie_id', 'integer', (c) => c.notNull())
          .addColumn('bsn', 'text', (c) => c.notNull())
          .addColumn('clusters', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('levering_id', 'integer')
          .addPrimaryKeyConstraint('dossier_pk', ['generatie_id', 'bsn'])
          .execute();
        await db.schema.createIndex('dossier_bsn').on('dossier').columns(['bsn', 'generatie_id']).execute();

        // Protocol: append-only, hash-chained. volgnr is assigned by the store under the
        // lock of the protocol_kop row (no gaps), so it is not an autoincrement.
        const volgnrType = engine === 'sqlite' ? 'integer' : 'bigint';
        await db.schema
          .createTable('protocol')
          .addColumn('volgnr', volgnrType, (c) => c.primaryKey())
          .addColumn('tijd', 'text', (c) => c.notNull())
          .addColumn('bsn_sleutel', 'text')
          .addColumn('inhoud', 'text', (c) => c.notNull())
          .addColumn('vorige_hash', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('protocol_bsn_sleutel')
          .on('protocol')
          .columns(['bsn_sleutel', 'volgnr'])
          .execute();

        await db.schema
          .createTable('protocol_kop')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('volgnr', volgnrType, (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .execute();
        await db.insertInto('protocol_kop').values({ id: 1, volgnr: 0, hash: GENESIS_HASH }).execute();
      },
    },
    '0002_bericht_ontvangen': {
      async up(db: Kysely<any>): Promise<void> {
        // Signed messages seen, so that every hub process sharing the database refuses a
        // replay: the key is a hash of the signer's certificate and the wsa:MessageID, kept
        // until the message would be refused as stale anyway.
        await db.schema
          .createTable('bericht_ontvangen')
          .addColumn('sleutel', 'text', (c) => c.primaryKey())
          .addColumn('tot', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('bericht_ontvangen_tot').on('bericht_ontvangen').column('tot').execute();
      },
    },
  };
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly engine: Engine) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.engine);
  }
}

/** The name of the newest migration in this build. */
export function latestMigration(engine: Engine): string {
  const names = Object.keys(migrations(engine)).sort();
  const last = names[names.length - 1];
  if (last === undefined) throw new Error('store: no migrations defined');
  return last;
}

/**
 * Brings the database up to date. Returns the names applied now (empty when it already
 * was). `migrationTableSchema` pins Kysely's bookkeeping tables to the store's PostgreSQL
 * schema (Kysely otherwise finds them in any schema of the database).
 */
export async function migrateToLatest(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  engine: Engine,
  migrationTableSchema?: string,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new InCodeMigrationProvider(engine),
    ...(migrationTableSchema !== undefined ? { migrationTableSchema } : {}),
  });
  const resultSet: MigrationResultSet = await migrator.migrateToLatest();
  const failed = resultSet.results?.find((r) => r.status === 'Error');
  if (resultSet.error !== undefined || failed !== undefined) {
    const cause = resultSet.error instanceof Error ? resultSet.error.message : String(resultSet.error ?? '');
    throw new Error(`store: migration ${failed?.migrationName ?? '(setup)'} failed: ${cause}`);
  }
  return (resultSet.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
