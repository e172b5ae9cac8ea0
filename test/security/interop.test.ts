/**
 * Interop with python-xmlsec through the independent client's own signing code
 * (test/security/interop.py): what it signs, we accept; what we sign, it accepts; and a
 * signature either side broke is refused by the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signEnvelope, verifyEnvelope } from '../../src/security/wssecurity.js';
import { REFERENCE_DIR } from '../helpers/reference.js';
import { makePki, question, type TestPki } from './fixtures.js';

const INTEROP = fileURLToPath(new URL('./interop.py', import.meta.url));
const CONFORMANCE = path.resolve(
  process.env.DKD_CONFORMANCE_DIR ?? path.join(REFERENCE_DIR, '..', '..', 'conformance'),
);

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki([]);
});
afterAll(() => pki?.cleanup());

function py(args: string[], input: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      '/usr/bin/python3',
      [INTEROP, ...args],
      { env: { ...process.env, DKD_CONFORMANCE_DIR: CONFORMANCE }, timeout: 30_000 },
      (err, out, errText) => resolve({ code: err ? 1 : 0, out, err: errText }),
    );
    child.stdin!.end(input);
  });
}

describe('WS-Security interop met python-xmlsec', () => {
  it('an envelope signed by python-xmlsec (the independent client) is accepted, and refused once changed', async () => {
    const c = pki.certificates.uwv!;
    const r = await py(['sign', c.keyFile, c.certFile], question('1.1'));
    expect(r.code, r.err).toBe(0);
    const v = verifyEnvelope(r.out);
    expect(v).toMatchObject({ ok: true, signed: true, oin: pki.oins.uwv });
    expect(verifyEnvelope(r.out.replace('123456782', '100000009'))).toMatchObject({
      ok: false,
      rule: 'handtekening-ongeldig',
    });
  });

  it('an envelope we sign is accepted by python-xmlsec, and refused once changed', async () => {
    const signed = signEnvelope(question('1.1'), pki.pem('hub'));
    const ok = await py(['check'], signed);
    expect(ok.code, ok.err).toBe(0);
    const bad = await py(['check'], signed.replace('123456782', '100000009'));
    expect(bad.code).toBe(1);
  });

  it('SOAP 1.2 too', async () => {
    const c = pki.certificates.svb!;
    const r = await py(['sign', c.keyFile, c.certFile], question('1.2'));
    expect(r.code, r.err).toBe(0);
    expect(verifyEnvelope(r.out)).toMatchObject({ ok: true, oin: pki.oins.svb });
    expect((await py(['check'], signEnvelope(question('1.2'), pki.pem('hub')))).code).toBe(0);
  });
});
