/**
 * The connections of a store and the few primitives every operation is built from: a
 * write transaction, chunking, a yield to the event loop, and a cache of compiled
 * multi-row statements. This is the only place where the engines differ at run time
 * (the BEGIN statement; one pool versus a reader and a writer connection).
 */
import { CompiledQuery, sql } from 'kysely';
import type { Kysely } from 'kysely';
import { errorCode, StoreError } from './errors.js';
import type { Engine } from './migrations.js';
import type { Database } from './schema.js';

export interface Connections {
  readonly engine: Engine;
  /**
   * Reads. SQLite: a connection of its own (query_only), so that readers go on while the
   * writer holds a transaction open (WAL); PostgreSQL: the pool.
   */
  readonly reader: Kysely<Database>;
  /**
   * Every write. SQLite: the one writer connection, whose Kysely mutex serialises the
   * process's writers (two write connections in one process would wait on each other
   * inside SQLite's busy handler, which blocks the event loop); PostgreSQL: the pool.
   */
  readonly writer: Kysely<Database>;
  close(): Promise<void>;
}

/** How long a writer waits for the write lock another SQLite process holds. */
export const SQLITE_LOCK_WAIT_MS = 10_000;

/**
 * Runs fn in one write transaction on the writer and commits, or rolls back and rethrows.
 *
 * SQLite: BEGIN IMMEDIATE takes the database's write lock up front, so a transaction that
 * reads before it writes never fails half-way on a lock upgrade (SQLITE_BUSY_SNAPSHOT).
 * When another connection holds the lock, the writer connection (busy_timeout 0) fails at
 * once and this waits asynchronously and retries, with a short random pause, for up to
 * SQLITE_LOCK_WAIT_MS. SQLite's own busy handler would sleep in the thread instead,
 * stopping every reader of this process, and backs off to 100 ms sleeps, so that a busy
 * writer elsewhere can starve it.
 *
 * PostgreSQL: BEGIN (read committed); the operations lock the rows they depend on with an
 * UPDATE ... RETURNING as first statement, so waiting happens in the server.
 */
export async function inWriteTransaction<T>(
  c: Connections,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return c.writer.connection().execute(async (conn) => {
    await beginWrite(c.engine, conn);
    let result: T;
    try {
      result = await fn(conn);
      await sql`commit`.execute(conn);
    } catch (err) {
      try {
        await sql`rollback`.execute(conn);
      } catch {
        // The transaction is gone already (e.g. the connection broke); the first error counts.
      }
      throw err;
    }
    return result;
  });
}

/** BEGIN of a write transaction; on SQLite waiting asynchronously for another process's lock. */
export async function beginWrite(engine: Engine, conn: Kysely<Database>): Promise<void> {
  if (engine === 'postgres') {
    await sql`begin`.execute(conn);
    return;
  }
  const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
  for (;;) {
    try {
      await sql`begin immediate`.execute(conn);
      return;
    } catch (err) {
      if (!errorCode(err)?.startsWith('SQLITE_BUSY')) throw err;
      if (Date.now() >= deadline) {
        throw new StoreError(
          `store: the SQLite database stayed locked by another connection for ${SQLITE_LOCK_WAIT_MS} ms`,
          'SQLITE_BUSY',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 5)));
    }
  }
}

/** Lets timers and I/O run (a SQLite statement blocks the thread while it runs). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Compiled SQL of multi-row statements by shape (e.g. "insert 500 dossiers"), so that the
 * hot path builds a statement through Kysely once per shape and then only binds values.
 * The text comes from Kysely's compiler, so placeholders are right for the engine.
 */
export class StatementCache {
  readonly #cache = new Map<string, string>();

  sql(key: string, build: () => CompiledQuery): string {
    let text = this.#cache.get(key);
    if (text === undefined) {
      text = build().sql;
      this.#cache.set(key, text);
    }
    return text;
  }
}

/** Executes cached SQL text with parameters on a Kysely instance or transaction. */
export async function executeCompiled(
  db: Kysely<Database>,
  text: string,
  parameters: readonly unknown[],
): Promise<{ rows: unknown[]; numAffectedRows?: bigint }> {
  return db.executeQuery(CompiledQuery.raw(text, [...parameters]));
}
