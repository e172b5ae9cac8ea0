/**
 * A real `dkd ingest` process loading 200,000 clients, killed with SIGKILL while it loads:
 * the previous data set must still be in force, in the store and through the hub.
 * Runs on SQLite, or on PostgreSQL when DATABASE_URL is set. Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verwerk } from '../../src/batch/ingest.js';
import { VerzamelbestandWriter } from '../../src/batch/writer.js';
import type { Dossier } from '../../src/domain/model.js';
import { generateVerzamelbestand, ownBsn } from '../../src/sim/generator.js';
import type { KyselyStore } from '../../src/store/kysely-store.js';
import type { Store } from '../../src/store/types.js';
import { ask, OIN, startHub, type Running } from '../helpers/hub.js';
import { createTestLocation, type TestStoreLocation } from '../helpers/store.js';
import { loadDossiers } from '../../src/batch/reader.js';

const G = '0363';
const CLIENTS = 200_000;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dkd-kill-'));
let location: TestStoreLocation;
let store: Store;
let hub: Running;

/** A file of many small dossiers: the number of clients matters here, not their detail. */
async function leanFile(file: string): Promise<void> {
  const out = createWriteStream(file);
  const w = new VerzamelbestandWriter(out, {
    cdPartijSuwi: G,
    soortLevering: 'volledig',
    datTijdAanmaak: '2026-11-02T06:00:00Z',
    formaatversie: 'v0100',
    aantalRecords: CLIENTS,
  } as never);
  const bron = { cdKolomSuwi: 4, cdPartijSuwi: G };
  for (let i = 0; i < CLIENTS; i++)
    await w.dossier({
      client: { burgerservicenr: ownBsn(G, 'kill', i), significantDeelVanDeAchternaam: 'Jansen', bron },
      bijstandsregelingen: {
        aanvraagUitkering: [],
        vordering: [],
        specifiekeGegevensBijzBijstand: [],
        uitkeringsverhouding: [],
      },
    } as unknown as Dossier);
  await w.end();
  out.end();
  await once(out, 'close');
}

/** The `dkd` child's environment and store flags for the test's location. */
function storeArgs(): { env: NodeJS.ProcessEnv; args: string[] } {
  const o = location.options;
  if (o.databaseUrl) {
    const url = new URL(o.databaseUrl);
    url.searchParams.set('options', `-c search_path=${o.pgSchema}`);
    return { env: { ...process.env, DATABASE_URL: url.toString() }, args: [] };
  }
  const env = { ...process.env };
  delete env.DATABASE_URL;
  return { env, args: ['--db', o.file!] };
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
  location = createTestLocation();
  store = await location.open();
  await store.upsertGemeente({ code: G, naam: 'Amsterdam', oin: OIN.gemeente(G), methode: 'batch' });
  await store.upsertAfnemer({
    oin: OIN.uwv,
    naam: 'UWV',
    diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
  });
  hub = await startHub({ store });
}, 60_000);
afterAll(async () => {
  await hub?.close();
  await store?.close();
  await location?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a dkd ingest of 200,000 clients killed with SIGKILL', () => {
  it('leaves the previous set answering, in the store and through the hub', async () => {
    const previous = join(dir, 'vorige.xml');
    await generateVerzamelbestand({ gemeente: G, clients: 100, seed: 'vorige', out: previous });
    expect((await verwerk({ file: previous, modus: 'ingest', store })).status).toBe('geladen');
    const before = await store.activeGeneratie(G);
    const oud = (await loadDossiers(previous)).dossiers.find((d) => d.bijstandsregelingen)!.client
      .burgerservicenr;

    const big = join(dir, 'groot.xml');
    await leanFile(big);
    const { env, args } = storeArgs();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'dkd.js'), 'ingest', big, '--json', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );

    // Kill it once it is writing the new generation: some rows written, not activated.
    const ks = store as KyselyStore;
    let written = 0;
    for (let ended = false; !ended;) {
      const building = (await ks.listGeneraties(G)).find((g) => g.status === 'opbouw');
      if (building) written = await ks.countDossierRows(building.id);
      if (written >= 10_000) break;
      ended = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 20)),
      ]);
    }
    expect(written, `the child ended before loading: ${stderr}`).toBeGreaterThanOrEqual(10_000);
    child.kill('SIGKILL');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The previous set is in force: in this store, in a store opened afresh, and through the hub.
    expect(await store.activeGeneratie(G)).toEqual(before);
    const fresh = await location.open();
    try {
      expect(await fresh.activeGeneratie(G)).toEqual(before);
      expect(await fresh.getDossiers(ownBsn(G, 'kill', 0))).toEqual([]);
      expect((await fresh.getDossiers(oud)).length).toBe(1);
    } finally {
      await fresh.close();
    }
    const a = await ask(hub.url, 'bijstandsregelingen', oud);
    expect(a.ok && a.antwoord.soort).toBe('gegevens');
    const n = await ask(hub.url, 'bijstandsregelingen', ownBsn(G, 'kill', 0));
    expect(n.ok && n.antwoord.soort).toBe('nietsGevonden');
    expect(await store.verwijzingen(ownBsn(G, 'kill', 0))).toEqual([]);
  }, 240_000);
});
