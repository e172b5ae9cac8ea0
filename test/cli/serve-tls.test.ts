/**
 * `dkd serve --tls-cert --tls-key --tls-ca` as an operator starts it, asked by
 * `dkd query --tls-cert --tls-key --tls-ca`, and then `dkd audit --bsn` names the caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
  pki = await makePki(['0363']);
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
  url = await new Promise<string>((resolve, reject) => {
    let err = '';
    hub!.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /luistert op (https:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    hub!.on('exit', (code) => reject(new Error(`dkd serve stopped (${code}): ${err}`)));
  });
});

afterAll(async () => {
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
