/** Upload of a verzamelbestand over HTTP to a real hub on a real port, with the real store. */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadPlugin, wachtOpVerwerking } from '../../src/http/upload.js';
import { loadDossiers } from '../../src/batch/reader.js';
import { generateVerzamelbestand } from '../../src/sim/generator.js';
import type { Store } from '../../src/store/types.js';
import { ask, OIN, startHub, type Running } from '../helpers/hub.js';
import { openTestStore } from '../helpers/store.js';

const A = '0363';
const B = '0599';
const dir = mkdtempSync(join(tmpdir(), 'dkd-upload-'));
const uploads = join(dir, 'uploads');
const MAX = 2 * 1024 * 1024;
let store: Store;
let hub: Running;

beforeAll(async () => {
  store = await openTestStore();
  for (const code of [A, B])
    await store.upsertGemeente({ code, naam: `Gemeente ${code}`, oin: OIN.gemeente(code), methode: 'batch' });
  await store.upsertAfnemer({
    oin: OIN.uwv,
    naam: 'UWV',
    diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
  });
  hub = await startHub({ store, plugins: [uploadPlugin({ dir: uploads, maxBytes: MAX })] });
}, 60_000);
afterAll(async () => {
  await hub?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function file(name: string, gemeente: string, clients: number): Promise<string> {
  const out = join(dir, `${name}.xml`);
  await generateVerzamelbestand({ gemeente, clients, seed: name, out });
  return out;
}

function upload(body: Buffer | string, oin?: string) {
  return fetch(`${hub.url}/verzamelbestand`, {
    method: 'POST',
    headers: { 'content-type': 'application/xml', ...(oin && { 'x-dkd-oin': oin }) },
    body,
  });
}

const get = (path: string, oin: string, accept = 'application/json') =>
  fetch(`${hub.url}${path}`, { headers: { 'x-dkd-oin': oin, accept } });

describe('upload of a verzamelbestand', () => {
  it('a gemeente uploads its own file: it is loaded in the background, with status and report URLs', async () => {
    const path = await file('eigen', A, 50);
    const res = await upload(readFileSync(path), OIN.gemeente(A));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { levering: number; statusUrl: string; rapportUrl: string };
    expect(res.headers.get('location')).toBe(body.statusUrl);

    const l = await wachtOpVerwerking(store, body.levering);
    expect(l.status).toBe('geladen');
    const status = (await (await get(body.statusUrl, OIN.gemeente(A))).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      status: 'geladen',
      gemeente: A,
      samenvatting: { telling: { records: 50, goed: 50 } },
    });
    const rapport = (await (await get(body.rapportUrl, OIN.gemeente(A))).json()) as Record<string, unknown>;
    expect(rapport).toMatchObject({ status: 'geladen', kop: { gemeente: A }, effect: { dossiers: 50 } });
    const tekst = await (await get(body.rapportUrl, OIN.gemeente(A), 'text/plain')).text();
    expect(tekst).toContain('uitkomst:      geladen');

    const { dossiers } = await loadDossiers(path);
    const bsn = dossiers.find((d) => d.bijstandsregelingen)!.client.burgerservicenr;
    const a = await ask(hub.url, 'bijstandsregelingen', bsn);
    expect(a.ok && a.antwoord.soort).toBe('gegevens');
    // The file is removed once processed.
    expect(readdirSync(uploads)).toEqual([]);
  }, 60_000);

  it('a gemeente sees only its own deliveries', async () => {
    const path = await file('privé', A, 3);
    const { levering } = (await (await upload(readFileSync(path), OIN.gemeente(A))).json()) as {
      levering: number;
    };
    await wachtOpVerwerking(store, levering);
    expect((await get(`/verzamelbestand/${levering}`, OIN.gemeente(B))).status).toBe(404);
    expect((await get(`/verzamelbestand/${levering}/rapport`, OIN.gemeente(B))).status).toBe(404);
  }, 60_000);

  it('a gemeente may upload only its own file: another gemeente in the Kop is refused and nothing is loaded', async () => {
    const before = await store.activeGeneratie(A);
    const path = await file('vreemd', A, 5);
    const res = await upload(readFileSync(path), OIN.gemeente(B));
    expect(res.status).toBe(202);
    const { levering } = (await res.json()) as { levering: number };
    const l = await wachtOpVerwerking(store, levering);
    expect(l.status).toBe('geweigerd');
    expect(JSON.parse(l.rapport!).bestandsbevindingen.map((b: { regel: string }) => b.regel)).toEqual([
      'gemeente-niet-afzender',
    ]);
    expect(await store.activeGeneratie(A)).toEqual(before);
    expect(await store.activeGeneratie(B)).toBeUndefined();
  }, 60_000);

  it('refuses a caller that is not identified (401) or not a registered gemeente (403)', async () => {
    expect((await upload('<x/>')).status).toBe(401);
    expect((await upload('<x/>', OIN.uwv)).status).toBe(403);
    expect((await get('/verzamelbestand/1', OIN.uwv)).status).toBe(403);
  });

  it('refuses a body above the size limit with 413 and keeps nothing of it', async () => {
    const path = await file('groot', A, 600);
    const bytes = readFileSync(path);
    expect(bytes.length).toBeGreaterThan(MAX);
    const before = (await store.listLeveringen(A)).length;
    const res = await upload(bytes, OIN.gemeente(A));
    expect(res.status).toBe(413);
    expect(readdirSync(uploads)).toEqual([]);
    expect((await store.listLeveringen(A)).length).toBe(before);
  }, 60_000);

  it('cuts off a streamed body (no Content-Length) once it passes the limit: 413, and nothing is kept', async () => {
    const before = (await store.listLeveringen(A)).length;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${hub.url}/verzamelbestand`, {
        method: 'POST',
        headers: {
          'content-type': 'application/xml',
          'x-dkd-oin': OIN.gemeente(A),
          'transfer-encoding': 'chunked',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < 4 * MAX) {
          sent += chunk.length;
          if (!req.write(chunk)) return req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(readdirSync(uploads)).toEqual([]);
    expect((await store.listLeveringen(A)).length).toBe(before);
  }, 60_000);

  it('cuts off a sender that trickles (the time limit of UPLOAD_LIMITS): the connection is closed and nothing is kept', async () => {
    const slow = join(dir, 'slow');
    const h = await startHub({
      store,
      plugins: [uploadPlugin({ dir: slow, maxBytes: MAX, maxMillis: 300 })],
    });
    try {
      const before = (await store.listLeveringen(A)).length;
      // The request is never ended: only the hub's time limit can end it.
      const ended = await new Promise<string>((resolve) => {
        const req = request(`${h.url}/verzamelbestand`, {
          method: 'POST',
          headers: {
            'content-type': 'application/xml',
            'x-dkd-oin': OIN.gemeente(A),
            'transfer-encoding': 'chunked',
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(`antwoord ${res.statusCode}`);
        });
        req.on('error', () => resolve('afgebroken'));
        req.write('<?xml version="1.0"?>');
      });
      expect(ended).toBe('afgebroken');
      // The hub removes the partial file just after it has closed the connection.
      for (let i = 0; i < 100 && readdirSync(slow).length; i++) await new Promise((r) => setTimeout(r, 20));
      expect(readdirSync(slow)).toEqual([]);
      expect((await store.listLeveringen(A)).length).toBe(before);
    } finally {
      await h.close();
    }
  });

  it('a hub that starts takes up a delivery received but not processed before it stopped', async () => {
    const path = await file('achtergelaten', B, 7);
    const other = join(dir, 'uploads-2');
    mkdirSync(other);
    const l = await store.createLevering({
      gemeente: B,
      soort: 'volledig',
      bestandHash: createHash('sha256').update(readFileSync(path)).digest('hex'),
      status: 'ontvangen',
    });
    copyFileSync(path, join(other, `levering-${l.id}.xml`));
    const second = await startHub({ store, plugins: [uploadPlugin({ dir: other, maxBytes: MAX })] });
    try {
      expect((await wachtOpVerwerking(store, l.id)).status).toBe('geladen');
      expect((await store.activeGeneratie(B))?.aantal).toBe(7);
    } finally {
      await second.close();
    }
  }, 60_000);
});
