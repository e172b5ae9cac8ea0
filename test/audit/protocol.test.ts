/**
 * Protocollering: the chain detects a changed or removed entry in the database itself
 * (SQLite, or PostgreSQL with DATABASE_URL), the BSN is only stored as a keyed hash, a
 * question is refused when its entry cannot be written, and the `dkd audit` commands answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import {
  DEV_PROTOCOL_KEY,
  bsnSleutel,
  protocolForBsn,
  protocolKey,
  protocolWriter,
  verifyProtocolChain,
  type ProtocolEvent,
} from '../../src/audit/protocol.js';
import { buildHub } from '../../src/http/hub.js';
import { callSoap } from '../../src/routing/soap-client.js';
import type { Store } from '../../src/store/types.js';
import { createTestLocation, type TestStoreLocation } from '../helpers/store.js';
import { BSN, dossier, loadDataset } from '../helpers/dossiers.js';
import { OIN } from '../helpers/hub.js';
import { bijstandsregelingenV0500 as br } from '../../src/suwiml/services/index.js';

const SECRET = 'audit-test-protocolsleutel-0123456789abcdef';
const KEY = protocolKey(SECRET);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function event(i: number, bsn: string | null = BSN.gedeeld): ProtocolEvent {
  return {
    tijd: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    oin: OIN.uwv,
    dienst: 'bijstandsregelingen',
    versie: 'v0500',
    bsn,
    messageId: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    antwoordMessageId: null,
    uitkomst: 'gegevens',
    bronnen: [{ gemeente: '0363', bron: 'bestand', uitkomst: 'gegevens', ms: 1.5 }],
    ms: 3.25,
  };
}

/** Runs one SQL statement on the location, outside the store, as an intruder would. */
async function tamper(loc: TestStoreLocation, statement: string): Promise<void> {
  const o = loc.options;
  if (o.databaseUrl) {
    const c = new pg.Client({ connectionString: o.databaseUrl });
    await c.connect();
    try {
      await c.query(`set search_path to "${o.pgSchema}"`);
      await c.query(statement);
    } finally {
      await c.end();
    }
  } else {
    const db = new BetterSqlite3(o.file!);
    try {
      db.exec(statement);
    } finally {
      db.close();
    }
  }
}

async function withEntries(n: number, f: (store: Store, loc: TestStoreLocation) => Promise<void>) {
  const loc = createTestLocation();
  const store = await loc.open();
  try {
    const write = protocolWriter(store, KEY);
    for (let i = 1; i <= n; i++) await write(event(i, i % 2 ? BSN.gedeeld : BSN.alleenBatch));
    await f(store, loc);
  } finally {
    await store.close();
    await loc.dispose();
  }
}

describe('de hashketen van het protocol', () => {
  it('an untouched protocol verifies', async () => {
    await withEntries(5, async (store) => {
      expect(await verifyProtocolChain(store)).toMatchObject({ ok: true, aantal: 5 });
    });
  });

  it('verify fails after one entry is changed in the database', async () => {
    await withEntries(5, async (store, loc) => {
      await tamper(
        loc,
        `update protocol set inhoud = replace(inhoud, '"gegevens"', '"nietsGevonden"') where volgnr = 3`,
      );
      const r = await verifyProtocolChain(store);
      expect(r).toMatchObject({ ok: false, aantal: 2, fout: { volgnr: 3 } });
    });
  });

  it('verify fails after an entry is changed and its own hash recomputed by the intruder', async () => {
    await withEntries(4, async (store, loc) => {
      await tamper(
        loc,
        `update protocol set tijd = '2020-01-01T00:00:00.000Z', hash = '${'0'.repeat(64)}' where volgnr = 2`,
      );
      expect(await verifyProtocolChain(store)).toMatchObject({ ok: false, fout: { volgnr: 2 } });
    });
  });

  it('verify fails after an entry is removed from the middle', async () => {
    await withEntries(5, async (store, loc) => {
      await tamper(loc, 'delete from protocol where volgnr = 2');
      expect(await verifyProtocolChain(store)).toMatchObject({ ok: false, aantal: 1, fout: { volgnr: 2 } });
    });
  });

  it('verify fails after the last entry is removed', async () => {
    await withEntries(3, async (store, loc) => {
      await tamper(loc, 'delete from protocol where volgnr = 3');
      expect(await verifyProtocolChain(store)).toMatchObject({ ok: false, aantal: 2 });
    });
  });

  it('the BSN is not stored as such, only its keyed hash', async () => {
    await withEntries(2, async (store) => {
      const rows = await store.protocolPage(0, 10);
      for (const r of rows) {
        expect(JSON.stringify(r)).not.toContain(BSN.gedeeld);
        expect(JSON.stringify(r)).not.toContain(BSN.alleenBatch);
      }
      expect(rows[0]!.bsnSleutel).toBe(bsnSleutel(KEY, BSN.gedeeld));
      expect(bsnSleutel(protocolKey(`${SECRET}-ander`), BSN.gedeeld)).not.toBe(rows[0]!.bsnSleutel);
      expect(await protocolForBsn(store, KEY, BSN.alleenBatch)).toMatchObject([{ volgnr: 2, oin: OIN.uwv }]);
      expect(await protocolForBsn(store, protocolKey(`${SECRET}-ander`), BSN.gedeeld)).toEqual([]);
    });
  });

  it('a key shorter than 32 bytes is refused', () => {
    expect(() => protocolKey('te-kort')).toThrow(/32 bytes/);
  });
});

describe('geen vraag zonder protocol', () => {
  it('a question is refused (DKD-F021) when its protocol entry cannot be written', async () => {
    const loc = createTestLocation();
    const store = await loc.open();
    try {
      await store.upsertGemeente({
        code: '0363',
        naam: 'Amsterdam',
        oin: OIN.gemeente('0363'),
        methode: 'batch',
      });
      await loadDataset(store, '0363', [dossier(BSN.alleenBatch, '0363')]);
      await store.upsertAfnemer({
        oin: OIN.uwv,
        naam: 'UWV',
        diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
      });
      const app = await buildHub({
        store,
        hubOin: OIN.hub,
        insecureDev: true,
        protocol: protocolWriter(store, KEY),
      });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const q = () =>
          callSoap({
            url: `${url}/${br.path}`,
            action: br.actions.request,
            body: br.encodeRequest(BSN.alleenBatch as never),
            from: `https://uwv.example/?oin=${OIN.uwv}`,
            timeoutMs: 5000,
          });
        expect((await q()).ok).toBe(true);
        await tamper(loc, 'drop table protocol');
        const r = await q();
        expect(r.ok).toBe(false);
        expect(!r.ok && r.kind).toBe('fault');
        expect(!r.ok && r.faultCode).toBe('DKD-F021');
      } finally {
        await app.close();
      }
    } finally {
      await store.close();
      await loc.dispose();
    }
  });
});

describe('dkd audit', () => {
  let loc: TestStoreLocation;
  let store: Store;
  beforeAll(async () => {
    loc = createTestLocation();
    store = await loc.open();
    const write = protocolWriter(store, KEY);
    for (let i = 1; i <= 3; i++) await write(event(i));
    await protocolWriter(
      store,
      protocolKey(DEV_PROTOCOL_KEY),
    )({ ...event(4, BSN.alleenWebservice), oin: OIN.svb });
  });
  afterAll(async () => {
    await store.close();
    await loc.dispose();
  });

  function dkd(
    args: string[],
    key: string | null = SECRET,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const o = loc.options;
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DKD_PROTOCOL_KEY_FILE;
    if (key) env.DKD_PROTOCOL_KEY = key;
    else delete env.DKD_PROTOCOL_KEY;
    delete env.DATABASE_URL;
    const db: string[] = [];
    if (o.databaseUrl) {
      const sep = o.databaseUrl.includes('?') ? '&' : '?';
      env.DATABASE_URL = `${o.databaseUrl}${sep}options=${encodeURIComponent(`-c search_path=${o.pgSchema}`)}`;
    } else db.push('--db', o.file!);
    return new Promise((resolve) =>
      execFile(
        'node',
        ['bin/dkd.js', ...args, ...db],
        { cwd: ROOT, env, timeout: 30_000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  }

  it('dkd audit --bsn names who asked, when and what they got', async () => {
    const r = await dkd(['audit', '--bsn', BSN.gedeeld, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      aantal: number;
      vragen: { oin: string; tijd: string; uitkomst: string }[];
    };
    expect(out.aantal).toBe(3);
    expect(out.vragen[0]).toMatchObject({
      oin: OIN.uwv,
      tijd: '2026-01-01T00:00:01.000Z',
      uitkomst: 'gegevens',
    });
    const text = await dkd(['audit', '--bsn', BSN.gedeeld]);
    expect(text.stdout).toContain(OIN.uwv);
  });

  it('without a configured key, dkd audit reads with the development key of --insecure-dev and says so', async () => {
    const r = await dkd(['audit', '--bsn', BSN.alleenWebservice, '--json'], null);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('ontwikkelsleutel');
    expect(JSON.parse(r.stdout)).toMatchObject({ aantal: 1, vragen: [{ oin: OIN.svb }] });
  });

  it('dkd audit verify passes, and fails with exit status 1 after one entry is changed', async () => {
    const ok = await dkd(['audit', 'verify']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('4 regels');
    await tamper(
      loc,
      `update protocol set inhoud = replace(inhoud, '${OIN.uwv}', '${OIN.svb}') where volgnr = 2`,
    );
    const bad = await dkd(['audit', 'verify']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('volgnummer 2');
  });
});
