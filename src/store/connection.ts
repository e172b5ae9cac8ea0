/**
 * The connections of a store and the few primitives every operation is built from: a
 * write transaction, chunking, a yield to the event loop, and a cache of compiled
 * multi-row statements. This is the only place where the engines differ at run time
 * (the BEGIN statement; one pool versus a reader and a writer connection).
 */
import { CompiledQuery, sql } from 'kysely';
import type { Kysely } from 'kysely';
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

/**
 * Runs fn in one write transaction on the writer and commits, or rolls back and rethrows.
 * SQLite: BEGIN IMMEDIATE takes the database's write lock up front, so a transaction that
 * reads before it writes never fails half-way on a lock upgrade (SQLITE_BUSY_SNAPSHOT) and
 * other processes wait (busy_timeout) instead. PostgreSQL: BEGIN (read committed); the
 * operations lock the rows they depend on with an UPDATE ... RETURNING as first statement.
 */
export async function inWriteTransaction<T>(
  c: Connections,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return c.writer.connection().execute(async (conn) => {
    await (c.engine === 'sqlite' ? sql`begin immediate` : sql`begin`).execute(conn);
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
