import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { SecurityConfigError } from '../../src/security/errors.js';
import { certificateChainsTo, oinFromCertificate } from '../../src/security/identity.js';
import { gemeenteOin, initPki, issueCertificate, PKI_PARTIES } from '../../src/security/pki.js';
import { makePki, type TestPki } from './fixtures.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki(['0363', '0599']);
});
afterAll(() => pki.cleanup());

const cert = (name: string) => new X509Certificate(readFileSync(path.join(pki.dir, `${name}.pem`)));

describe('dkd pki init: een test-PKI met OINs', () => {
  it('schrijft CA, certificaten, sleutels en oins.json', () => {
    const oins = JSON.parse(readFileSync(path.join(pki.dir, 'oins.json'), 'utf8')) as Record<string, string>;
    expect(oins).toEqual({
      hub: '00000001999910001000',
      uwv: '00000001999920001000',
      svb: '00000001999930001000',
      'gemeente-0363': '00000001999900363000',
      'gemeente-0599': '00000001999900599000',
    });
    for (const oin of Object.values(oins)) expect(oin).toMatch(/^[0-9]{20}$/);
    for (const f of ['ca.pem', 'ca.key', 'hub.pem', 'hub.key', 'gemeente-0599.key'])
      expect(statSync(path.join(pki.dir, f)).isFile()).toBe(true);
  });

  it('sleutels hebben modus 0600', () => {
    for (const f of ['ca.key', 'hub.key', 'uwv.key', 'svb.key', 'gemeente-0363.key'])
      expect(statSync(path.join(pki.dir, f)).mode & 0o777).toBe(0o600);
  });

  it('elk certificaat draagt zijn OIN in het subject serialNumber, met O en CN', () => {
    for (const [name, oin] of Object.entries(pki.oins)) {
      const x = cert(name);
      expect(oinFromCertificate(x)).toBe(oin);
      expect(x.subject).toContain(`serialNumber=${oin}`);
      expect(x.subject).toContain(`CN=${name}`);
      expect(x.subject).toMatch(/\nO=.+/);
    }
    expect(cert('uwv').subject).toContain(`O=${PKI_PARTIES.uwv.organisation}`);
    expect(cert('gemeente-0363').subject).toContain('O=Gemeente 0363 (test)');
  });

  it('RSA 2048, SHA-256, ongeveer twee jaar geldig, voor TLS-server en -client, localhost en 127.0.0.1', () => {
    const x = cert('hub');
    expect(x.publicKey.asymmetricKeyType).toBe('rsa');
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
    expect(days).toBeGreaterThan(700);
    expect(days).toBeLessThan(760);
    expect(x.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    const ku = forge.pki.certificateFromPem(x.toString()).getExtension('keyUsage') as Record<string, unknown>;
    expect(ku).toMatchObject({
      critical: true,
      digitalSignature: true,
      keyEncipherment: true,
      keyCertSign: false,
    });
    expect(x.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(x.ca).toBe(false);
    expect(x.checkIssued(cert('ca'))).toBe(true);
    expect(cert('ca').ca).toBe(true);
    expect(forge.pki.certificateFromPem(x.toString()).siginfo.algorithmOid).toBe(
      forge.pki.oids.sha256WithRSAEncryption,
    );
  });

  it('elk certificaat ketent naar de eigen CA', () => {
    for (const name of Object.keys(pki.oins)) expect(certificateChainsTo(cert(name), [pki.caPem])).toBe(true);
  });

  it('gemeente-OIN: 00000001 + 99990 + gemeentecode + 000', () => {
    expect(gemeenteOin('0344')).toBe('00000001999900344000');
    expect(() => gemeenteOin('344')).toThrow(SecurityConfigError);
  });

  it('weigert een map die niet leeg is, tenzij force', async () => {
    await expect(initPki(pki.dir, [])).rejects.toThrow(/niet leeg/);
    const dir = mkdtempSync(path.join(tmpdir(), 'dkd-pki-force-'));
    try {
      writeFileSync(path.join(dir, 'hub.key'), 'oud', { mode: 0o644 });
      const r = await initPki(dir, [], { force: true });
      expect(Object.keys(r.oins)).toEqual(['hub', 'uwv', 'svb']);
      expect(statSync(path.join(dir, 'hub.key')).mode & 0o777).toBe(0o600);
      expect(readFileSync(path.join(dir, 'hub.key'), 'utf8')).toContain('BEGIN PRIVATE KEY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('issueCertificate geeft een extra certificaat van dezelfde CA uit en zet het in oins.json', async () => {
    const oin = '00000001999940001000';
    const issued = await issueCertificate(pki.dir, 'afnemer', oin);
    const x = new X509Certificate(readFileSync(issued.certFile));
    expect(oinFromCertificate(x)).toBe(oin);
    expect(certificateChainsTo(x, pki.caPem)).toBe(true);
    expect(statSync(issued.keyFile).mode & 0o777).toBe(0o600);
    const oins = JSON.parse(readFileSync(path.join(pki.dir, 'oins.json'), 'utf8')) as Record<string, string>;
    expect(oins.afnemer).toBe(oin);
    await expect(issueCertificate(pki.dir, '../weg', oin)).rejects.toThrow(SecurityConfigError);
    await expect(issueCertificate(pki.dir, 'kort', '123')).rejects.toThrow(SecurityConfigError);
  });
});

describe('dkd pki init op de opdrachtregel', () => {
  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out += String(s);
      return true;
    });
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err += String(s);
      return true;
    });
    try {
      const code = await main(['node', 'dkd', ...args]);
      return { code, out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  it('--json drukt de OINs af; exit 0; een tweede keer zonder --force: exit 1', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'dkd-pki-cli-')), 'pki');
    try {
      const r = await run(['pki', 'init', '--out', dir, '--gemeenten', '0344', '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toEqual({
        hub: PKI_PARTIES.hub.oin,
        uwv: PKI_PARTIES.uwv.oin,
        svb: PKI_PARTIES.svb.oin,
        'gemeente-0344': '00000001999900344000',
      });
      const again = await run(['pki', 'init', '--out', dir, '--gemeenten', '0344']);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/niet leeg.*--force/);
      expect(again.err).not.toMatch(/at .*\.ts/);
      const forced = await run(['pki', 'init', '--out', dir, '--gemeenten', '0344', '--force']);
      expect(forced.code).toBe(0);
      expect(forced.out).toContain('gemeente-0344');
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('een ongeldige gemeentecode is verkeerd gebruik: exit 2', async () => {
    const r = await run(['pki', 'init', '--out', path.join(tmpdir(), 'dkd-pki-nooit'), '--gemeenten', '363']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('363');
  });
});
