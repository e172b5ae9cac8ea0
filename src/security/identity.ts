/**
 * Who is calling: the OIN in a certificate, and whether a certificate chains to a trusted CA.
 *
 * PKIoverheid certificates carry the holder's OIN (20 digits) in the subject serialNumber
 * (OID 2.5.4.5). A sub-OIN, for a department or an application, is also 20 digits and is
 * the caller's OIN as far as the hub is concerned.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';

const OIN = /^[0-9]{20}$/;

export function isOin(s: string | undefined): s is string {
  return s !== undefined && OIN.test(s);
}

/** What oinFromCertificate reads: a TLS peer certificate, an X509Certificate, or PEM/DER. */
export type CertificateLike = PeerCertificate | X509Certificate | string | Buffer;

/**
 * The OIN in the subject serialNumber of a certificate; undefined when the certificate has
 * none, more than one, or one that is not 20 digits.
 */
export function oinFromCertificate(cert: CertificateLike | undefined | null): string | undefined {
  if (cert === undefined || cert === null) return undefined;
  let subject: Record<string, unknown> | undefined;
  if (cert instanceof X509Certificate) subject = legacySubject(cert);
  else if (typeof cert === 'string' || Buffer.isBuffer(cert)) {
    const x = toX509(cert);
    subject = x ? legacySubject(x) : undefined;
  } else subject = (cert as { subject?: Record<string, unknown> }).subject;
  // Node gives a repeated attribute as an array; two serialNumbers are not one identity.
  const sn = subject?.serialNumber;
  return typeof sn === 'string' && OIN.test(sn) ? sn : undefined;
}

/**
 * Node's object form of the subject (`{ C, O, serialNumber, CN }`), the same as a TLS peer
 * certificate's, so that one code path reads both. The string form is not parsed: its
 * escaping is not a contract.
 */
function legacySubject(x: X509Certificate): Record<string, unknown> | undefined {
  return (x.toLegacyObject() as unknown as { subject?: Record<string, unknown> }).subject;
}

/** An X509Certificate from PEM or DER; undefined when it is neither. */
export function toX509(cert: string | Buffer | X509Certificate): X509Certificate | undefined {
  if (cert instanceof X509Certificate) return cert;
  try {
    return new X509Certificate(cert);
  } catch {
    return undefined;
  }
}

/** Every certificate in a PEM text (a bundle may hold several). */
export function certificatesFromPem(pem: string | Buffer): X509Certificate[] {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const out: X509Certificate[] = [];
  for (const b of blocks) {
    const x = toX509(b);
    if (x) out.push(x);
  }
  return out;
}

/** True when the certificate is valid (notBefore..notAfter) at the given moment. */
export function validAt(cert: X509Certificate, now: Date = new Date()): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return Number.isFinite(from) && Number.isFinite(to) && from <= now.getTime() && now.getTime() <= to;
}

/**
 * True when `certificate` was issued by one of the trusted certificates in `caPems` (each
 * PEM text may hold a bundle): the issuer is named by the certificate, is a CA that may sign
 * certificates, has signed it, and both are valid at `now`. Every certificate in `caPems` is
 * a trust anchor: a PKIoverheid bundle holds the TSP's issuing CA next to the root, and
 * configuring only one TSP's issuing CA restricts trust to that TSP.
 */
export function certificateChainsTo(
  certificate: X509Certificate | string | Buffer,
  caPems: readonly (string | Buffer)[] | string | Buffer,
  options: { now?: Date } = {},
): boolean {
  const leaf = toX509(certificate);
  if (!leaf) return false;
  const now = options.now ?? new Date();
  if (!validAt(leaf, now)) return false;
  const list: readonly (string | Buffer)[] =
    typeof caPems === 'string' || Buffer.isBuffer(caPems) ? [caPems] : caPems;
  return list
    .flatMap((p) => certificatesFromPem(p))
    .some((ca) => ca.ca && validAt(ca, now) && leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
}

/** The TLS identity of a connection: whether the client certificate was accepted, and its OIN. */
export interface PeerIdentity {
  /** The TLS layer verified the client certificate against the configured CAs. */
  authorized: boolean;
  certificate?: X509Certificate;
  oin?: string;
}

/**
 * The client's identity on a TLS connection (Fastify: `request.raw.socket`, node:https:
 * `req.socket`). On a plain socket, or without a client certificate, `authorized` is false.
 */
export function peerIdentity(socket: unknown): PeerIdentity {
  const s = socket as Partial<TLSSocket> | undefined;
  if (!s || typeof s.getPeerX509Certificate !== 'function') return { authorized: false };
  const certificate = s.getPeerX509Certificate();
  if (!certificate) return { authorized: false };
  const oin = oinFromCertificate(certificate);
  return {
    authorized: s.authorized === true,
    certificate,
    ...(oin !== undefined && { oin }),
  };
}
