/**
 * Opening a store: PostgreSQL when a connection URL is given, else the embedded SQLite
 * file. Migrations are applied on open.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import pg from 'pg';
import { beginWrite, SQLITE_LOCK_WAIT_MS } from './connection.js';
import type { Connections } from './connection.js';
import { errorCode, StoreError } from './errors.js';
import { KyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import type { Store } from './types.js';

export { protocolHash } from './protocol.js';

export const DEFAULT_SQLITE_FILE = './data/dkd.sqlite';
/** How long a SQLite connection waits in SQLite's busy handler (open, and readers). */
const SQLITE_BUSY_TIMEOUT_MS = SQLITE_LOCK_WAIT_MS;
/** Prepared statements kept per SQLite connection (the store runs a few dozen shapes). */
const SQLITE_STATEMENT_CACHE = 128;

export interface StoreOptions {
  /** PostgreSQL connection URL; when set, PostgreSQL is used. */
  databaseUrl?: string;
  /** SQLite file (when no databaseUrl); its directory is created. Default ./data/dkd.sqlite. */
  file?: string;
  /** PostgreSQL schema to keep the tables in (created if missing); default: the server's search_path. */
  pgSchema?: string;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /** See KyselyStoreOptions.staleOpbouwMs (default one hour). */
  staleOpbouwMs?: number;
}

export async function openStore(opts: StoreOptions): Promise<Store> {
  const storeOptions = opts.staleOpbouwMs !== undefined ? { staleOpbouwMs: opts.staleOpbouwMs } : {};
  if (opts.databaseUrl !== undefined && opts.databaseUrl !== '') {
    const { connections, applied } = await openPostgres(opts.databaseUrl, opts.pgSchema, opts.poolSize ?? 10);
    return new KyselyStore(connections, applied, storeOptions);
  }
  const { connections, applied } = await openSqlite(opts.file ?? DEFAULT_SQLITE_FILE);
  return new KyselyStore(connections, applied, storeOptions);
}

/** DATABASE_URL when set, else the SQLite file of the --db flag (or the default). */
export function storeOptionsFromEnv(dbFlag?: string): { databaseUrl?: string; file?: string } {
  const url = process.env.DATABASE_URL;
  if (url !== undefined && url !== '') return { databaseUrl: url };
  return { file: dbFlag ?? DEFAULT_SQLITE_FILE };
}

function sqliteConnection(file: string, role: 'writer' | 'reader'): BetterSqlite3.Database {
  const db = new BetterSqlite3(file, { timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    if (role === 'writer' && file !== ':memory:') {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal')
        throw new StoreError(`store: SQLite refused WAL mode (${String(mode)})`);
    }
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    if (role === 'writer') {
      // 16 MiB: a load of a million clients fills it (the BSN index), and with three threads
      // 32 MiB put the load's peak memory over 300 MB; the file's pages stay in the OS cache,
      // and 100,000 clients load as fast with 16 as with 32 (docs/benchmarks.md).
      db.pragma('cache_size = -16384');
      db.pragma('journal_size_limit = 67108864'); // truncate the WAL to 64 MiB after a large load
    } else {
      db.pragma('cache_size = -32768');
      db.pragma('query_only = ON'); // every write goes through the writer (see connection.ts)
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * A connection for Kysely's SqliteDialect that keeps its prepared statements. Kysely
 * prepares every query anew; preparing the multi-row INSERT of a load costs about 0.8 µs a
 * row (0.08 ms for a batch of 100), some 5 % of the store's part of a load. SQL text is
 * the key, so the statements Kysely builds per shape (see StatementCache in ./connection)
 * are compiled once. Kysely's connection mutex lets one query at a time use the
 * connection, so a cached statement is never used by two queries at once. At most
 * SQLITE_STATEMENT_CACHE are kept, the least recently used one goes first.
 */
export function withStatementCache(
  db: BetterSqlite3.Database,
  size = SQLITE_STATEMENT_CACHE,
): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(text) {
      let stmt = cache.get(text);
      if (stmt !== undefined) {
        cache.delete(text);
      } else {
        stmt = db.prepare(text);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, stmt);
      return stmt;
    },
  };
}

async function openSqlite(file: string): Promise<{ connections: Connections; applied: string[] }> {
  const memory = file === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(file)), { recursive: true });
  const writer = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqliteConnection(file, 'writer')) }),
  });
  let applied: string[];
  try {
    // From here the writer never sleeps in SQLite's busy handler, which would block the
    // thread: beginWrite waits for another connection's lock asynchronously.
    await sql`pragma busy_timeout = 0`.execute(writer);
    // Kysely runs SQLite migrations without a transaction or lock; this makes them one
    // transaction under the write lock, so that two stores opening a new file at once do
    // not both create the tables (the second waits, then finds them applied).
    await beginWrite('sqlite', writer);
    try {
      applied = await migrateToLatest(writer, 'sqlite');
      await sql`commit`.execute(writer);
    } catch (err) {
      await sql`rollback`.execute(writer);
      throw err;
    }
  } catch (err) {
    await writer.destroy();
    throw err;
  }
  // An in-memory database exists per connection: there the writer reads too.
  const reader = memory
    ? writer
    : new Kysely<Database>({
        dialect: new SqliteDialect({ database: withStatementCache(sqliteConnection(file, 'reader')) }),
      });
  return {
    applied,
    connections: {
      engine: 'sqlite',
      reader,
      writer,
      async close() {
        if (reader !== writer) await reader.destroy();
        await writer.destroy();
      },
    },
  };
}

const PG_SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

async function openPostgres(
  url: string,
  pgSchema: string | undefined,
  poolSize: number,
): Promise<{ connections: Connections; applied: string[] }> {
  if (pgSchema !== undefined) {
    if (!PG_SCHEMA_NAME.test(pgSchema)) {
      throw new StoreError('store: pgSchema must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63)');
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`create schema if not exists "${pgSchema}"`);
    } catch (err) {
      // Two processes creating it at once: one of them loses the race on the catalog.
      if (errorCode(err) !== '23505' && errorCode(err) !== '42P06') throw err;
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    ...(pgSchema !== undefined ? { options: `-c search_path=${pgSchema}` } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a
  // listener that would end the process. The pool drops the client; the next query
  // gets a fresh one.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let applied: string[];
  try {
    const schema =
      pgSchema ??
      (await sql<{ s: string | null }>`select current_schema() as s`.execute(db)).rows[0]?.s ??
      'public';
    applied = await migrateToLatest(db, 'postgres', schema);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return {
    applied,
    connections: {
      engine: 'postgres',
      reader: db,
      writer: db,
      close: () => db.destroy(),
    },
  };
}
