/**
 * `dkd serve --tls-cert --tls-key --tls-ca` as an operator starts it, asked by
 * `dkd query --tls-cert --tls-key --tls-ca`, and then `dkd audit --bsn` names the caller;
 * and `dkd gemeente serve` with the same flags behind it: registering its clients with
 * `--hub` over two-way TLS, and answering the hub's signed questions with signed answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDossiers } from '../../src/batch/reader.js';
import { generateVerzamelbestand } from '../../src/sim/generator.js';
import { DATA_SERVICES } from '../../src/suwiml/services/index.js';
import type { Store } from '../../src/store/types.js';
import { createTestLocation, type TestStoreLocation } from '../helpers/store.js';
import { BSN, dossier, loadDataset } from '../helpers/dossiers.js';
import { makePki, type TestPki } from '../security/fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'serve-tls-test-protocolsleutel-0123456789';

let pki: TestPki;
let loc: TestStoreLocation;
let store: Store;
let hub: ChildProcess | undefined;
let url: string;
let dir: string;
const children: ChildProcess[] = [];

function cliEnv(extra: NodeJS.ProcessEnv = {}): { env: NodeJS.ProcessEnv; db: string[] } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DKD_PROTOCOL_KEY: SECRET,
    DKD_LOG_LEVEL: 'warn',
    ...extra,
  };
  delete env.DATABASE_URL;
  const o = loc.options;
  if (o.databaseUrl) {
    const sep = o.databaseUrl.includes('?') ? '&' : '?';
    env.DATABASE_URL = `${o.databaseUrl}${sep}options=${encodeURIComponent(`-c search_path=${o.pgSchema}`)}`;
    return { env, db: [] };
  }
  return { env, db: ['--db', o.file!] };
}

function dkd(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const { env, db } = cliEnv(extra);
  const withDb = ['audit', 'serve'].includes(args[0]!) ? [...args, ...db] : args;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile('node', ['bin/dkd.js', ...withDb], { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const tls = (name: string) => [
  '--tls-cert',
  pki.certificates[name]!.certFile,
  '--tls-key',
  pki.certificates[name]!.keyFile,
  '--tls-ca',
  pki.caCertFile,
];

beforeAll(async () => {
  pki = await makePki(['0363', '0599']);
  dir = mkdtempSync(join(tmpdir(), 'dkd-serve-tls-'));
  loc = createTestLocation();
  store = await loc.open();
  await store.upsertGemeente({
    code: '0363',
    naam: 'Amsterdam',
    oin: pki.oins['gemeente-0363']!,
    methode: 'batch',
  });
  await loadDataset(store, '0363', [dossier(BSN.alleenBatch, '0363')]);
  await store.upsertAfnemer({
    oin: pki.oins.uwv!,
    naam: 'UWV',
    diensten: [{ dienst: 'bijstandsregelingen', versies: [] }],
  });

  const { env, db } = cliEnv();
  hub = spawn('node', ['bin/dkd.js', 'serve', '--port', '0', ...tls('hub'), ...db], { cwd: ROOT, env });
  url = (await listening(hub)).url;
});

/** Resolves with the https URL a started process says it listens on, and its stderr so far. */
function listening(child: ChildProcess): Promise<{ url: string; stderr: () => string }> {
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /luistert op (https:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve({ url: m[1]!, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} stopped (${code}): ${err}`)));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

afterAll(async () => {
  for (const c of children) await stop(c);
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (hub && hub.exitCode === null) {
    const exited = new Promise((r) => hub!.once('exit', r));
    hub.kill('SIGTERM');
    await exited;
  }
  await store?.close();
  await loc?.dispose();
  pki?.cleanup();
});

describe('dkd serve over tweezijdig TLS', () => {
  it('answers dkd query with a client certificate, signed both ways, and dkd audit --bsn names the caller', async () => {
    const q = await dkd(['query', '--url', url, '--bsn', BSN.alleenBatch, '--json', ...tls('uwv')]);
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout)).toMatchObject({ soort: 'gegevens' });
    const a = await dkd(['audit', '--bsn', BSN.alleenBatch, '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ vragen: [{ oin: pki.oins.uwv, uitkomst: 'gegevens' }] });
    const v = await dkd(['audit', 'verify']);
    expect(v.code, v.stderr).toBe(0);
  });

  it('refuses dkd query without a client certificate', async () => {
    const q = await dkd(['query', '--url', url, '--bsn', BSN.alleenBatch, '--oin', pki.oins.uwv!], {
      NODE_EXTRA_CA_CERTS: pki.caCertFile,
    });
    expect(q.code).toBe(1);
    expect(q.stderr).toContain('DKD-F031');
  });

  it('will not start over TLS without a protocol key, nor with half the TLS flags', async () => {
    const noKey = await dkd(['serve', '--port', '0', ...tls('hub')], { DKD_PROTOCOL_KEY: '' });
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toContain('protocolsleutel');
    const half = await dkd(['serve', '--port', '0', '--tls-cert', pki.certificates.hub!.certFile]);
    expect(half.code).not.toBe(0);
    expect(half.stderr).toContain('--tls-ca');
  });
});

function bronnen(v: unknown, out = new Set<string>()): string[] {
  if (Array.isArray(v)) for (const x of v) bronnen(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === 'cdPartijSuwi' && typeof x === 'string') out.add(x);
      else bronnen(x, out);
    }
  return [...out].sort();
}

describe('dkd gemeente serve over tweezijdig TLS, achter dkd serve', () => {
  it('registers its clients with --hub over two-way TLS, and the hub gets its signed answer', async () => {
    const file = join(dir, 'rotterdam.xml');
    await generateVerzamelbestand({ gemeente: '0599', clients: 12, seed: 'tls', out: file });
    const bsn = (await loadDossiers(file)).dossiers.find((d) => d.bijstandsregelingen)!.client
      .burgerservicenr;
    await store.upsertGemeente({
      code: '0599',
      naam: 'Rotterdam',
      oin: pki.oins['gemeente-0599']!,
      methode: 'webservice',
    });
    const { env } = cliEnv();
    const g = spawn(
      'node',
      [
        'bin/dkd.js',
        'gemeente',
        'serve',
        '--code',
        '0599',
        '--data',
        file,
        '--port',
        '0',
        '--hub',
        url,
        '--hub-oin',
        pki.oins.hub!,
        ...tls('gemeente-0599'),
      ],
      { cwd: ROOT, env },
    );
    children.push(g);
    const started = await listening(g);
    expect(started.url.startsWith('https://')).toBe(true);
    // Every client registered, none refused or failed: the hub accepted the signed calls over TLS.
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        const m = /verwijsindex: (\d+) aangemeld, \d+ ingetrokken, (\d+) mislukt, (\d+) geweigerd/.exec(
          started.stderr(),
        );
        if (!m) return false;
        if (m[2] !== '0' || m[3] !== '0') reject(new Error(started.stderr()));
        else resolve();
        return true;
      };
      if (!check()) g.stderr!.on('data', check);
    });
    expect((await store.verwijzingen(bsn)).map((v) => v.gemeente)).toContain('0599');
    await store.upsertGemeente({
      code: '0599',
      naam: 'Rotterdam',
      oin: pki.oins['gemeente-0599']!,
      methode: 'webservice',
      endpoints: DATA_SERVICES.map((s) => ({
        dienst: s.dienst,
        url: `${started.url}/${s.path}`,
        versie: s.versie,
      })),
    });
    // The hub reads its registry anew after a short while; until then it does not know the endpoint.
    let answer: { soort?: string; dossier?: unknown } = {};
    for (let i = 0; i < 100 && !bronnen(answer.dossier).includes('0599'); i++) {
      if (i) await new Promise((r) => setTimeout(r, 100));
      const q = await dkd(['query', '--url', url, '--bsn', bsn, '--json', ...tls('uwv')]);
      expect(q.code, q.stderr).toBe(0);
      answer = JSON.parse(q.stdout) as typeof answer;
    }
    expect(answer.soort).toBe('gegevens');
    expect(bronnen(answer.dossier)).toEqual(['0599']);
    expect(started.stderr()).not.toContain(bsn);
    expect(await stop(g)).toBe(0);
  });

  it('refuses half the TLS flags as wrong usage, and a hub that is not the named one', async () => {
    const half = await dkd([
      'gemeente',
      'serve',
      '--code',
      '0599',
      '--data',
      join(dir, 'missing.xml'),
      '--port',
      '0',
      '--tls-cert',
      pki.certificates['gemeente-0599']!.certFile,
    ]);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--tls-ca');

    // The hub's answers are signed by the hub, not by UWV: with --hub-oin of UWV they are not taken.
    const file = join(dir, 'rotterdam-2.xml');
    await generateVerzamelbestand({ gemeente: '0599', clients: 3, seed: 'tls-2', out: file });
    const { env } = cliEnv();
    const g = spawn(
      'node',
      [
        'bin/dkd.js',
        'gemeente',
        'serve',
        '--code',
        '0599',
        '--data',
        file,
        '--port',
        '0',
        '--hub',
        url,
        '--hub-oin',
        pki.oins.uwv!,
        ...tls('gemeente-0599'),
      ],
      { cwd: ROOT, env },
    );
    children.push(g);
    const started = await listening(g);
    const line = await new Promise<string>((resolve) => {
      const check = () => {
        const m = /verwijsindex: .*/.exec(started.stderr());
        if (m) resolve(m[0]);
        return Boolean(m);
      };
      if (!check()) g.stderr!.on('data', check);
    });
    expect(line).toContain('0 aangemeld');
    expect(line).toContain('3 mislukt');
    expect(await stop(g)).toBe(0);
  });
});
