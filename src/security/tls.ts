/**
 * Two-way TLS as Digikoppeling asks (TLS 1.2 at least, client certificates): options for a
 * node https / Fastify server, and for calling a TLS service with a client certificate
 * through undici. PEM files are read here with errors that name the file, never its content.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Agent } from 'undici';
import { SecurityConfigError } from './errors.js';
import { certificatesFromPem } from './identity.js';

export interface TlsFiles {
  /** Own certificate (PEM). */
  certFile: string;
  /** Own private key (PEM, not encrypted). */
  keyFile: string;
  /** CA certificates (PEM bundle) that are trusted for the other side. */
  caFile: string;
}

export interface ServerTlsOptions {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  requestCert: true;
  rejectUnauthorized: boolean;
  minVersion: 'TLSv1.2';
}

/**
 * Options for `https.createServer` or Fastify's `https`: a client certificate from one of
 * the CAs in `caFile` is required, and TLS 1.2 at least. With `requireClientCert: false`
 * the certificate is still asked for and checked, but a connection without one is let in,
 * so that a route decides (read `peerIdentity(socket).authorized`); use that only when some
 * routes (a portal) are served without client certificates.
 */
export function serverTlsOptions(files: TlsFiles & { requireClientCert?: boolean }): ServerTlsOptions {
  const { cert, key } = loadPair(files.certFile, files.keyFile);
  return {
    cert,
    key,
    ca: loadCa(files.caFile),
    requestCert: true,
    rejectUnauthorized: files.requireClientCert ?? true,
    minVersion: 'TLSv1.2',
  };
}

export interface ClientTlsFiles {
  /** Client certificate (PEM); without it the call is made without a client certificate. */
  certFile?: string;
  keyFile?: string;
  /** CAs trusted for the server; default the system's. */
  caFile?: string;
}

/** undici connect options (also valid `tls.connect` options) for calling a TLS service. */
export function clientTlsOptions(files: ClientTlsFiles): ConnectionOptions {
  const out: ConnectionOptions = { minVersion: 'TLSv1.2', rejectUnauthorized: true };
  if (files.certFile || files.keyFile) {
    if (!files.certFile || !files.keyFile)
      throw new SecurityConfigError(
        'een clientcertificaat heeft zowel een certificaat- als een sleutelbestand nodig',
      );
    const { cert, key } = loadPair(files.certFile, files.keyFile);
    out.cert = cert;
    out.key = key;
  }
  if (files.caFile) out.ca = loadCa(files.caFile);
  return out;
}

/** An undici Agent that calls TLS services with the client certificate of `files`. */
export function clientTlsAgent(files: ClientTlsFiles, options: Omit<Agent.Options, 'connect'> = {}): Agent {
  return new Agent({ ...options, connect: clientTlsOptions(files) });
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new SecurityConfigError(`${what} niet gevonden: ${file}`);
    if (code === 'EACCES') throw new SecurityConfigError(`${what} is niet leesbaar (rechten): ${file}`);
    if (code === 'EISDIR') throw new SecurityConfigError(`${what} is een map, geen bestand: ${file}`);
    throw new SecurityConfigError(`${what} is niet te lezen: ${file}`);
  }
}

function loadPair(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const cert = readPem(certFile, 'certificaat');
  const key = readPem(keyFile, 'sleutel');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new SecurityConfigError(`geen PEM-certificaat: ${certFile}`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new SecurityConfigError(`geen (onversleutelde) PEM-sleutel: ${keyFile}`);
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new SecurityConfigError(`de sleutel ${keyFile} hoort niet bij het certificaat ${certFile}`);
  return { cert, key };
}

function loadCa(caFile: string): Buffer {
  const ca = readPem(caFile, 'CA-bestand');
  if (certificatesFromPem(ca).length === 0)
    throw new SecurityConfigError(`geen PEM-certificaten in het CA-bestand ${caFile}`);
  return ca;
}
