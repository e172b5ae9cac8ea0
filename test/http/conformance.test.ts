/**
 * The independent client (../shared/conformance/suwiml_client.py: zeep with the published
 * WSDL, and xmllint with the published XSD) against the hub: every kind of answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Store } from '../../src/store/types.js';
import { openTestStore } from '../helpers/store.js';
import { BSN, dossier, loadDataset } from '../helpers/dossiers.js';
import { OIN, startGemeente, startHub, type Running } from '../helpers/hub.js';
import { REFERENCE_DIR } from '../helpers/reference.js';

const CLIENT = path.resolve(
  process.env.DKD_CONFORMANCE_DIR ?? path.join(REFERENCE_DIR, '..', '..', 'conformance'),
  'suwiml_client.py',
);

let store: Store;
let hub: Running;
let failing: Running;

/** Runs the client in a child process, asynchronously: the hub answers from this process. */
async function client(
  args: string[],
): Promise<{ ok: boolean; lines: Record<string, unknown>[]; out: string }> {
  const r = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      '/usr/bin/python3',
      [CLIENT, '--url', hub.url, '--json', ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) => resolve({ status: err ? 1 : 0, stdout, stderr }),
    ),
  );
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ok: r.status === 0, lines, out: `${r.stdout}\n${r.stderr}` };
}

beforeAll(async () => {
  store = await openTestStore();
  failing = await startGemeente(
    '0599',
    [dossier(BSN.gedeeld, '0599'), dossier(BSN.alleenWebservice, '0599')],
    { failRate: 1 },
  );
  await store.upsertGemeente({
    code: '0363',
    naam: 'Amsterdam',
    oin: OIN.gemeente('0363'),
    methode: 'batch',
  });
  await store.upsertGemeente({
    code: '0599',
    naam: 'Rotterdam',
    oin: OIN.gemeente('0599'),
    methode: 'webservice',
    endpoints: [
      { dienst: 'bijstandsregelingen', url: `${failing.url}/Bijstandsregelingen-v0500`, versie: 'v0500' },
      { dienst: 'reintegratie', url: `${failing.url}/GSDDossierReintegratie-v0200`, versie: 'v0200' },
    ],
  });
  await loadDataset(store, '0363', [dossier(BSN.gedeeld, '0363'), dossier(BSN.alleenBatch, '0363')]);
  await store.aanmelden(BSN.gedeeld, '0599', '01', true);
  await store.aanmelden(BSN.alleenWebservice, '0599', '01', true);
  await store.upsertAfnemer({
    oin: OIN.uwv,
    naam: 'UWV',
    diensten: [
      { dienst: 'bijstandsregelingen', versies: [] },
      { dienst: 'reintegratie', versies: [] },
    ],
  });
  hub = await startHub({ store, router: { deadlineMs: 2000 } });
});

afterAll(async () => {
  await hub?.close();
  await failing?.close();
  await store?.close();
});

const uwv = ['--from-uri', `https://uwv.example/dkd?oin=${OIN.uwv}`];

describe('the independent client gets schema-valid answers of every kind', async () => {
  it('data', async () => {
    const r = await client([
      '--service',
      'bijstandsregelingen',
      '--bsn',
      BSN.alleenBatch,
      '--expect',
      'data',
      ...uwv,
    ]);
    expect(r.ok, r.out).toBe(true);
    expect(r.lines[0]).toMatchObject({ valid: true, zeep: 'parsed', parties: ['0363'] });
  });
  it('data plus FWI', async () => {
    const r = await client([
      '--service',
      'bijstandsregelingen',
      '--bsn',
      BSN.gedeeld,
      '--expect',
      'data',
      ...uwv,
    ]);
    expect(r.ok, r.out).toBe(true);
    expect(r.lines[0]).toMatchObject({ valid: true, fwi: [['Waarschuwing', 'DKD-W002']] });
  });
  it('FWI only', async () => {
    const r = await client([
      '--service',
      'bijstandsregelingen',
      '--bsn',
      BSN.alleenWebservice,
      '--expect',
      'fwi',
      ...uwv,
    ]);
    expect(r.ok, r.out).toBe(true);
  });
  it('NietsGevonden', async () => {
    const r = await client([
      '--service',
      'bijstandsregelingen',
      '--bsn',
      BSN.onbekend,
      '--expect',
      'nietsgevonden',
      ...uwv,
    ]);
    expect(r.ok, r.out).toBe(true);
  });
  it('NietGerechtigd', async () => {
    const r = await client([
      '--service',
      'bijstandsregelingen',
      '--bsn',
      BSN.gedeeld,
      '--expect',
      'nietgerechtigd',
      '--from-uri',
      `https://x.example/?oin=${OIN.onbekend}`,
    ]);
    expect(r.ok, r.out).toBe(true);
  });
  it('GSDDossierReintegratie data', async () => {
    const r = await client([
      '--service',
      'reintegratie',
      '--bsn',
      BSN.alleenBatch,
      '--expect',
      'data',
      ...uwv,
    ]);
    expect(r.ok, r.out).toBe(true);
  });
  it('IBVerwijsindex: Acknowledgement for the own gemeente, NietGerechtigd for another', async () => {
    const own = await client([
      '--service',
      'verwijsindex',
      '--bsn',
      BSN.alleenBatch,
      '--gemeente',
      '0363',
      '--expect',
      'ack',
      '--from-uri',
      `https://g.example/?oin=${OIN.gemeente('0363')}`,
    ]);
    expect(own.ok, own.out).toBe(true);
    const other = await client([
      '--service',
      'verwijsindex',
      '--bsn',
      BSN.alleenBatch,
      '--gemeente',
      '0599',
      '--expect',
      'nietgerechtigd',
      '--from-uri',
      `https://g.example/?oin=${OIN.gemeente('0363')}`,
    ]);
    expect(other.ok, other.out).toBe(true);
  });
  it('GSDDossierReintegratie NietsGevonden', async () => {
    const r = await client([
      '--service',
      'reintegratie',
      '--bsn',
      BSN.onbekend,
      '--expect',
      'nietsgevonden',
      ...uwv,
    ]);
    expect(r.ok, r.out).toBe(true);
  });
  it('zeep reads the WSDL each endpoint serves, with the operation at the served address', async () => {
    const script = [
      'import json, sys, zeep',
      'out = []',
      'for url in sys.argv[1:]:',
      '    c = zeep.Client(url)',
      '    for s in c.wsdl.services.values():',
      '        for p in s.ports.values():',
      "            out.append([p.binding_options['address'], sorted(p.binding._operations)])",
      'print(json.dumps(out))',
    ].join('\n');
    const paths = ['Bijstandsregelingen-v0500', 'GSDDossierReintegratie-v0200', 'IBVerwijsindex-v0300'];
    const r = await new Promise<{ ok: boolean; out: string }>((resolve) =>
      execFile(
        '/usr/bin/python3',
        ['-c', script, ...paths.map((p) => `${hub.url}/${p}?wsdl`)],
        { timeout: 60_000 },
        (err, stdout, stderr) => resolve({ ok: !err, out: err ? stderr : stdout }),
      ),
    );
    expect(r.ok, r.out).toBe(true);
    const ports = JSON.parse(r.out) as [string, string[]][];
    expect(ports).toEqual([
      [`${hub.url}/${paths[0]}`, ['BijstandsregelingenInfo']],
      [`${hub.url}/${paths[0]}`, ['BijstandsregelingenInfo']],
      [`${hub.url}/${paths[1]}`, ['GSDReintegratieInfo']],
      [`${hub.url}/${paths[1]}`, ['GSDReintegratieInfo']],
      [`${hub.url}/${paths[2]}`, ['IBVerwijsindex']],
      [`${hub.url}/${paths[2]}`, ['IBVerwijsindex']],
    ]);
  });
  it('a malformed BSN is refused with a fault', async () => {
    const r = await client([
      '--service',
      'bijstandsregelingen',
      '--bsn',
      '123456781',
      '--expect',
      'refused',
      ...uwv,
    ]);
    expect(r.ok, r.out).toBe(true);
  });
});
