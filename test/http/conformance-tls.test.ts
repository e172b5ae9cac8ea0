/**
 * The independent client (../shared/conformance/suwiml_client.py: zeep, python-xmlsec,
 * xmllint) against the hub as `dkd serve --tls-cert --tls-key --tls-ca` starts it: two-way
 * TLS with the test PKI, WS-Security on the question and on the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startHubServer, type RunningHub } from '../../src/http/start.js';
import { securityFromFlags, type ChainSecurity } from '../../src/security/config.js';
import { protocolForBsn, protocolKey } from '../../src/audit/protocol.js';
import type { Store } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';
import { BSN, dossier, loadDataset } from '../helpers/dossiers.js';
import { REFERENCE_DIR } from '../helpers/reference.js';
import { makePki, type TestPki } from '../security/fixtures.js';

const CLIENT = path.resolve(
  process.env.DKD_CONFORMANCE_DIR ?? path.join(REFERENCE_DIR, '..', '..', 'conformance'),
  'suwiml_client.py',
);
/**
 * requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE win over the client's own --ca (its
 * session.verify); without them, the test CA given by --ca is what the client trusts.
 */
const CLIENT_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k !== 'REQUESTS_CA_BUNDLE' && k !== 'CURL_CA_BUNDLE'),
);
const KEY = protocolKey('conformance-tls-protocolsleutel-0123456789');

let pki: TestPki;
let vreemd: TestPki;
let store: Store;
let hub: RunningHub;
let security: ChainSecurity;

async function client(
  args: string[],
): Promise<{ ok: boolean; lines: Record<string, unknown>[]; out: string }> {
  const r = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      '/usr/bin/python3',
      [CLIENT, '--url', hub.url, '--json', ...args],
      { timeout: 60_000, env: CLIENT_ENV },
      (err, stdout, stderr) => resolve({ status: err ? 1 : 0, stdout, stderr }),
    ),
  );
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ok: r.status === 0, lines, out: `${r.stdout}\n${r.stderr}` };
}

function as(p: TestPki, name: string): string[] {
  const c = p.certificates[name]!;
  return ['--cert', c.certFile, '--key', c.keyFile, '--from-uri', `https://${name}.example/dkd?oin=${c.oin}`];
}

beforeAll(async () => {
  [pki, vreemd] = await Promise.all([makePki(['0363']), makePki([], 'dkd-pki-vreemd-')]);
  store = await openTestStore();
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
  const h = pki.certificates.hub!;
  security = securityFromFlags({ tlsCert: h.certFile, tlsKey: h.keyFile, tlsCa: pki.caCertFile })!;
  hub = await startHubServer({
    port: 0,
    host: '127.0.0.1',
    store,
    hubOin: security.oin,
    protocolKey: KEY,
    logger: false,
    extra: security.hub,
  });
});

afterAll(async () => {
  await hub?.close();
  await security?.close();
  await store?.close();
  pki?.cleanup();
  vreemd?.cleanup();
});

const ca = () => ['--ca', pki.caCertFile];

describe('the independent client over two-way TLS with WS-Security', () => {
  it('gets a signed, schema-valid answer (--cert --key --ca --sign --require-signed-answer)', async () => {
    expect(hub.url.startsWith('https://')).toBe(true);
    const r = await client([
      '--bsn',
      BSN.alleenBatch,
      '--expect',
      'data',
      ...as(pki, 'uwv'),
      ...ca(),
      '--sign',
      '--require-signed-answer',
    ]);
    expect(r.ok, r.out).toBe(true);
    expect(r.lines[0]).toMatchObject({ valid: true, zeep: 'parsed', signed_answer: true, parties: ['0363'] });
    const entries = await protocolForBsn(store, KEY, BSN.alleenBatch);
    expect(entries.at(-1)).toMatchObject({ oin: pki.oins.uwv, uitkomst: 'gegevens' });
  });

  it('is refused without a client certificate', async () => {
    const r = await client([
      '--bsn',
      BSN.alleenBatch,
      '--expect',
      'refused',
      ...ca(),
      '--sign',
      '--sign-key',
      pki.certificates.uwv!.keyFile,
      '--sign-cert',
      pki.certificates.uwv!.certFile,
      ...as(pki, 'uwv').slice(4),
    ]);
    expect(r.ok, r.out).toBe(true);
    expect(String(r.lines[0]?.fault)).toContain('DKD-F031');
  });

  it('is refused with a certificate from an unknown CA', async () => {
    const r = await client([
      '--bsn',
      BSN.alleenBatch,
      '--expect',
      'refused',
      ...as(vreemd, 'uwv'),
      ...ca(),
      '--sign',
    ]);
    expect(r.ok, r.out).toBe(true);
    expect(String(r.lines[0]?.fault)).toContain('DKD-F031');
  });

  it('is refused unsigned', async () => {
    const r = await client(['--bsn', BSN.alleenBatch, '--expect', 'refused', ...as(pki, 'uwv'), ...ca()]);
    expect(r.ok, r.out).toBe(true);
    expect(String(r.lines[0]?.fault)).toContain('DKD-F032');
  });

  it('gets a signed NietGerechtigd as a party without authorization', async () => {
    const r = await client([
      '--bsn',
      BSN.alleenBatch,
      '--expect',
      'nietgerechtigd',
      ...as(pki, 'svb'),
      ...ca(),
      '--sign',
      '--require-signed-answer',
    ]);
    expect(r.ok, r.out).toBe(true);
    expect(r.lines[0]).toMatchObject({ signed_answer: true });
  });
});
