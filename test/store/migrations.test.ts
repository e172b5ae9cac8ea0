import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KyselyStore } from '../../src/store/kysely-store.js';
import { openStore, storeOptionsFromEnv } from '../../src/store/open.js';
import { createTestLocation } from '../helpers/store.js';
import type { TestStoreLocation } from '../helpers/store.js';

let locations: TestStoreLocation[] = [];
function location(): TestStoreLocation {
  const l = createTestLocation();
  locations.push(l);
  return l;
}
afterEach(async () => {
  for (const l of locations) await l.dispose();
  locations = [];
});

describe('migrations', () => {
  it('are applied on the first open and not again on the second', async () => {
    const loc = location();
    const first = (await loc.open()) as KyselyStore;
    expect(first.appliedMigrations).toEqual(['0001_initial', '0002_bericht_ontvangen']);
    expect(await first.schemaVersion()).toBe('0002_bericht_ontvangen');
    await first.upsertGemeente({ code: '0363', naam: 'Amsterdam', oin: '1'.repeat(20), methode: 'batch' });
    await first.appendProtocol({ tijd: new Date().toISOString(), bsnSleutel: null, inhoud: '{}' });
    await first.close();

    const second = (await loc.open()) as KyselyStore;
    expect(second.appliedMigrations).toEqual([]);
    expect(await second.schemaVersion()).toBe('0002_bericht_ontvangen');
    // The data and the protocol chain head survived the reopen.
    expect((await second.getGemeente('0363'))?.naam).toBe('Amsterdam');
    expect(
      (await second.appendProtocol({ tijd: new Date().toISOString(), bsnSleutel: null, inhoud: '{}' }))
        .volgnr,
    ).toBe(2);
    await second.close();
  });

  it('let two stores open one new database at once', async () => {
    const loc = location();
    const [a, b] = (await Promise.all([loc.open(), loc.open()])) as KyselyStore[];
    expect([...a!.appliedMigrations, ...b!.appliedMigrations].sort()).toEqual([
      '0001_initial',
      '0002_bericht_ontvangen',
    ]);
    await a!.aanmelden('123456782', '0363', '01', true);
    expect(await b!.verwijzingen('123456782')).toHaveLength(1);
    await Promise.all([a!.close(), b!.close()]);
  });

  it('keep locations apart', async () => {
    const one = await location().open();
    const two = await location().open();
    await one.upsertGemeente({ code: '0363', naam: 'Amsterdam', oin: '1'.repeat(20), methode: 'batch' });
    expect(await two.listGemeenten()).toEqual([]);
    await one.close();
    await two.close();
  });

  it('refuse to use a closed store', async () => {
    const s = await location().open();
    await s.close();
    await expect(s.listGemeenten()).rejects.toThrow(/after close/);
    await s.close(); // idempotent
  });
});

describe('openStore on SQLite', () => {
  it('creates the directory of the file and uses WAL mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkd-open-'));
    try {
      const file = join(dir, 'nested', 'deeper', 'hub.sqlite');
      const store = await openStore({ file });
      expect(store.engine).toBe('sqlite');
      await store.upsertGemeente({ code: '0363', naam: 'A', oin: '1'.repeat(20), methode: 'batch' });
      expect(existsSync(file)).toBe(true);
      expect(existsSync(`${file}-wal`)).toBe(true);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('storeOptionsFromEnv', () => {
  it('prefers DATABASE_URL, else the --db file, else the default file', () => {
    const saved = process.env.DATABASE_URL;
    try {
      process.env.DATABASE_URL = 'postgres://u@h/db';
      expect(storeOptionsFromEnv('x.sqlite')).toEqual({ databaseUrl: 'postgres://u@h/db' });
      delete process.env.DATABASE_URL;
      expect(storeOptionsFromEnv('x.sqlite')).toEqual({ file: 'x.sqlite' });
      expect(storeOptionsFromEnv()).toEqual({ file: './data/dkd.sqlite' });
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });

  it('refuses a PostgreSQL schema name that is not a plain identifier', async () => {
    await expect(
      openStore({ databaseUrl: 'postgres://127.0.0.1:1/x', pgSchema: 'a"; drop' }),
    ).rejects.toThrow(/pgSchema/);
  });
});
