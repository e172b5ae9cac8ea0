import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityConfigError } from '../../src/security/errors.js';
import { oinFromCertificate, peerIdentity } from '../../src/security/identity.js';
import { clientTlsAgent, serverTlsOptions } from '../../src/security/tls.js';
import { makePki, type TestPki } from './fixtures.js';

let pki: TestPki;
let other: TestPki;
let server: https.Server;
let url: string;
let handled = 0;
const tlsErrors: string[] = [];

beforeAll(async () => {
  [pki, other] = await Promise.all([makePki(['0363']), makePki([], 'dkd-pki-ander-')]);
  const hub = pki.certificates.hub!;
  server = https.createServer(
    serverTlsOptions({ certFile: hub.certFile, keyFile: hub.keyFile, caFile: pki.caCertFile }),
    (req, res) => {
      handled++;
      const id = peerIdentity(req.socket);
      const raw = (req.socket as TLSSocket).getPeerCertificate();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ oin: id.oin, authorized: id.authorized, legacy: oinFromCertificate(raw) }));
    },
  );
  server.on('tlsClientError', (e: NodeJS.ErrnoException) => tlsErrors.push(e.code ?? e.message));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  pki.cleanup();
  other.cleanup();
});

async function call(agent: Dispatcher): Promise<{ oin?: string; authorized: boolean; legacy?: string }> {
  try {
    const res = await request(url, { dispatcher: agent });
    return (await res.body.json()) as { oin?: string; authorized: boolean; legacy?: string };
  } finally {
    await agent.close();
  }
}

describe('tweezijdige TLS: de OIN van de aanroeper', () => {
  it('met een geldig clientcertificaat ziet de server de OIN van de aanroeper', async () => {
    const uwv = pki.certificates.uwv!;
    const agent = clientTlsAgent({ certFile: uwv.certFile, keyFile: uwv.keyFile, caFile: pki.caCertFile });
    expect(await call(agent)).toEqual({ oin: pki.oins.uwv, authorized: true, legacy: pki.oins.uwv });
  });

  it('een gemeente wordt herkend aan haar eigen OIN', async () => {
    const g = pki.certificates['gemeente-0363']!;
    const agent = clientTlsAgent({ certFile: g.certFile, keyFile: g.keyFile, caFile: pki.caCertFile });
    expect((await call(agent)).oin).toBe('00000001999900363000');
  });

  it('zonder clientcertificaat weigert de server de verbinding', async () => {
    const before = handled;
    tlsErrors.length = 0;
    const agent = clientTlsAgent({ caFile: pki.caCertFile });
    await expect(call(agent)).rejects.toThrow();
    expect(handled).toBe(before);
    await expect.poll(() => tlsErrors).toEqual(['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE']);
  });

  it('een clientcertificaat van een andere CA wordt geweigerd', async () => {
    const uwv = other.certificates.uwv!;
    const before = handled;
    const agent = clientTlsAgent({ certFile: uwv.certFile, keyFile: uwv.keyFile, caFile: pki.caCertFile });
    await expect(call(agent)).rejects.toThrow();
    // Node checks the chain after the handshake and drops the socket before any request is read.
    expect(handled).toBe(before);
  });

  it('de client weigert een server waarvan de CA niet vertrouwd is', async () => {
    const uwv = pki.certificates.uwv!;
    const agent = clientTlsAgent({ certFile: uwv.certFile, keyFile: uwv.keyFile, caFile: other.caCertFile });
    await expect(call(agent)).rejects.toThrow(/certificate/);
  });

  it('de server vraagt minstens TLS 1.2 en eist een clientcertificaat', () => {
    const hub = pki.certificates.hub!;
    const o = serverTlsOptions({ certFile: hub.certFile, keyFile: hub.keyFile, caFile: pki.caCertFile });
    expect(o).toMatchObject({ requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
  });
});

describe('oinFromCertificate', () => {
  it('leest PEM, X509Certificate en een TLS-peercertificaat', () => {
    const pem = readFileSync(pki.certificates.svb!.certFile, 'utf8');
    expect(oinFromCertificate(pem)).toBe(pki.oins.svb);
    expect(oinFromCertificate(new X509Certificate(pem))).toBe(pki.oins.svb);
    expect(oinFromCertificate({ subject: { serialNumber: '00000001999930001000' } } as never)).toBe(
      '00000001999930001000',
    );
  });

  it('geen OIN: geen serialNumber, geen 20 cijfers, twee serialNumbers of geen certificaat', () => {
    expect(oinFromCertificate(readFileSync(pki.caCertFile, 'utf8'))).toBeUndefined();
    expect(oinFromCertificate({ subject: { serialNumber: '12345' } } as never)).toBeUndefined();
    expect(
      oinFromCertificate({
        subject: { serialNumber: ['00000001999930001000', '00000001999920001000'] },
      } as never),
    ).toBeUndefined();
    expect(oinFromCertificate({} as never)).toBeUndefined();
    expect(oinFromCertificate('geen certificaat')).toBeUndefined();
    expect(oinFromCertificate(undefined)).toBeUndefined();
  });
});

describe('PEM-bestanden laden', () => {
  it('een ontbrekend bestand geeft een duidelijke fout met de naam, zonder inhoud', () => {
    const hub = pki.certificates.hub!;
    const missing = path.join(pki.dir, 'bestaat-niet.pem');
    expect(() =>
      serverTlsOptions({ certFile: missing, keyFile: hub.keyFile, caFile: pki.caCertFile }),
    ).toThrow(new SecurityConfigError(`certificaat niet gevonden: ${missing}`));
  });

  it('een sleutel die niet bij het certificaat hoort wordt geweigerd; de fout bevat geen sleutel', () => {
    const hub = pki.certificates.hub!;
    const uwv = pki.certificates.uwv!;
    let message = '';
    try {
      serverTlsOptions({ certFile: hub.certFile, keyFile: uwv.keyFile, caFile: pki.caCertFile });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('hoort niet bij');
    expect(message).not.toContain('PRIVATE KEY');
  });

  it('een CA-bestand zonder certificaten wordt geweigerd', () => {
    const hub = pki.certificates.hub!;
    expect(() =>
      serverTlsOptions({ certFile: hub.certFile, keyFile: hub.keyFile, caFile: hub.keyFile }),
    ).toThrow(/geen PEM-certificaten/);
  });
});
