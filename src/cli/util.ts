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

/** The TLS and signing flags of `dkd serve` and `dkd gemeente serve`, as commander gives them. */
export interface TlsFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  signCert?: string;
  signKey?: string;
}

/**
 * The TLS and signing flags for securityFromFlags, refused as wrong usage (exit 2) when only
 * part of them is given: a service that silently fell back to plain HTTP would be worse.
 */
export function tlsFlags(o: TlsFlags): TlsFlags {
  const tls = [o.tlsCert, o.tlsKey, o.tlsCa].filter((x) => typeof x === 'string').length;
  const signing = [o.signCert, o.signKey].filter((x) => typeof x === 'string').length;
  if ((tls > 0 && tls < 3) || (tls === 0 && signing > 0))
    throw new UserError('geef --tls-cert, --tls-key en --tls-ca samen (tweezijdig TLS)', EXIT.usage);
  if (signing === 1) throw new UserError('geef --sign-cert en --sign-key samen', EXIT.usage);
  return {
    ...(typeof o.tlsCert === 'string' && { tlsCert: o.tlsCert }),
    ...(typeof o.tlsKey === 'string' && { tlsKey: o.tlsKey }),
    ...(typeof o.tlsCa === 'string' && { tlsCa: o.tlsCa }),
    ...(typeof o.signCert === 'string' && { signCert: o.signCert }),
    ...(typeof o.signKey === 'string' && { signKey: o.signKey }),
  };
}
