import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityConfigError } from '../../src/security/errors.js';
import { securityFromFlags } from '../../src/security/config.js';
import { makePki, type TestPki } from './fixtures.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki([]);
});
afterAll(() => pki?.cleanup());

describe('securityFromFlags: een duidelijke fout bij een onvolledige of verkeerde set-up', () => {
  it('no TLS flag at all: no security (the caller decides on dev mode)', () => {
    expect(securityFromFlags({})).toBeUndefined();
  });

  it('half the TLS flags: an error naming all three', () => {
    expect(() => securityFromFlags({ tlsCert: pki.certificates.hub!.certFile })).toThrow(
      new SecurityConfigError('geef --tls-cert, --tls-key en --tls-ca samen (tweezijdig TLS)'),
    );
  });

  it('a key that does not belong to the certificate: an error naming both files', () => {
    const hub = pki.certificates.hub!;
    expect(() =>
      securityFromFlags({
        tlsCert: hub.certFile,
        tlsKey: pki.certificates.uwv!.keyFile,
        tlsCa: pki.caCertFile,
      }),
    ).toThrow(/hoort niet bij het certificaat/);
  });

  it('a signing certificate of another OIN than the TLS certificate is refused', () => {
    const hub = pki.certificates.hub!;
    const uwv = pki.certificates.uwv!;
    expect(() =>
      securityFromFlags({
        tlsCert: hub.certFile,
        tlsKey: hub.keyFile,
        tlsCa: pki.caCertFile,
        signCert: uwv.certFile,
        signKey: uwv.keyFile,
      }),
    ).toThrow(/ander OIN/);
  });

  it('a missing file is named, its content never', () => {
    const hub = pki.certificates.hub!;
    expect(() =>
      securityFromFlags({ tlsCert: hub.certFile, tlsKey: hub.keyFile, tlsCa: '/nonexistent/ca.pem' }),
    ).toThrow(/niet gevonden: \/nonexistent\/ca.pem/);
  });

  it("the party's OIN is read from its certificate", async () => {
    const hub = pki.certificates.hub!;
    const s = securityFromFlags({ tlsCert: hub.certFile, tlsKey: hub.keyFile, tlsCa: pki.caCertFile })!;
    try {
      expect(s.oin).toBe(pki.oins.hub);
      expect(s.gemeente.oin).toBe(pki.oins.hub);
    } finally {
      await s.close();
    }
  });
});
