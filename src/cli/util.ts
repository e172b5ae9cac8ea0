/** Shared pieces of the `dkd` commands: exit codes, output, the store from --db or DATABASE_URL. */
import { openStore, storeOptionsFromEnv } from '../store/open.js';
import type { Store } from '../store/types.js';

/** Exit status: 0 success, 1 the work was refused or failed, 2 wrong usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** An error whose message is meant for the user as it is (no stack trace). */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** The --db option of every command that uses the store. */
export const DB_OPTION = [
  '--db <file>',
  'SQLite file (default ./data/dkd.sqlite); DATABASE_URL selects PostgreSQL',
] as const;

export interface StoreFlags {
  db?: string;
}

export async function withStore<T>(flags: StoreFlags, f: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storeOptionsFromEnv(flags.db));
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
}

/** A table of rows for people: columns padded to their widest cell. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(headers)}\n${rows.map(line).join('\n')}${rows.length ? '\n' : ''}`);
}

/** What a command that a later release fills in says: plainly, and with exit status 1. */
export function notYet(command: string, what: string): never {
  throw new UserError(`dkd ${command} is not available yet: ${what}`);
}
