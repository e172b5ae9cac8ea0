/** Shared pieces of the security tests: a test PKI in a temporary folder, and envelopes to sign. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initPki, type PkiResult } from '../../src/security/pki.js';
import { newMessageId, writeAddressing } from '../../src/suwiml/addressing.js';
import { bijstandsregelingenV0500 as br } from '../../src/suwiml/services/index.js';
import { buildEnvelope, type SoapVersion } from '../../src/suwiml/soap.js';

export interface TestPki extends PkiResult {
  pem(name: string): { keyPem: string; certPem: string };
  caPem: string;
  cleanup(): void;
}

/** A fresh test PKI (hub, uwv, svb and the given gemeenten) in its own temporary folder. */
export async function makePki(gemeenten: string[] = ['0363'], prefix = 'dkd-pki-'): Promise<TestPki> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const pki = await initPki(dir, gemeenten);
  return {
    ...pki,
    caPem: readFileSync(pki.caCertFile, 'utf8'),
    pem(name: string) {
      const c = pki.certificates[name];
      if (!c) throw new Error(`no certificate ${name}`);
      return { keyPem: readFileSync(c.keyFile, 'utf8'), certPem: readFileSync(c.certFile, 'utf8') };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const UWV_FROM = 'https://uwv.example/dkd?oin=00000001999920001000';

/** A Bijstandsregelingen question as a chain partner sends it: addressing headers with wsu:Ids. */
export function question(version: SoapVersion, opts: { bsn?: string; messageId?: string } = {}): string {
  return buildEnvelope({
    version,
    headers: writeAddressing({
      messageId: opts.messageId ?? newMessageId(),
      action: br.actions.request,
      from: UWV_FROM,
      to: 'https://hub.example/Bijstandsregelingen-v0500',
    }),
    body: br.encodeRequest((opts.bsn ?? '123456782') as never),
  });
}
