/**
 * A test PKI in the shape of PKIoverheid: a CA, and certificates that carry the holder's OIN
 * in the subject serialNumber (OID 2.5.4.5), with O and CN. For tests, the demo and trying
 * the hub out; never for production (see docs/security.md for real certificates).
 *
 * Keys are made by node:crypto (fast, native) and certificates are assembled with
 * node-forge; the certificate's signature is also made by node:crypto over forge's
 * to-be-signed structure.
 *
 * The OINs are deterministic, so that a test, the demo and a registry agree without
 * passing files around:
 *
 *   "00000001" + a 9-digit stand-in RSIN + "000"
 *
 * which is the form of an OIN derived from an RSIN (prefix 00000001, suffix 000 for the
 * organisation itself). The stand-in RSIN starts with 9999, then a digit for the kind of
 * party, then four digits: gemeente = 0 + the CBS gemeentecode, hub = 1 0001, UWV = 2 0001,
 * SVB = 3 0001. So gemeente 0363 has 00000001999900363000 and the hub 00000001999910001000.
 */
import { createPrivateKey, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import { SecurityConfigError } from './errors.js';

export const DEFAULT_GEMEENTEN: readonly string[] = ['0363', '0599', '0344'];

/** The fixed parties of the test PKI with their OINs and organisation names. */
export const PKI_PARTIES = {
  hub: { oin: '00000001999910001000', organisation: 'DKD-hub (test)' },
  uwv: { oin: '00000001999920001000', organisation: 'UWV (test)' },
  svb: { oin: '00000001999930001000', organisation: 'SVB (test)' },
} as const;

const GEMEENTECODE = /^[0-9]{4}$/;
const OIN = /^[0-9]{20}$/;
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const CA_DAYS = 3 * 365;
const LEAF_DAYS = 2 * 365;
const DAY = 86_400_000;

/** The test OIN of a gemeente (see the header comment). */
export function gemeenteOin(code: string): string {
  if (!GEMEENTECODE.test(code)) throw new SecurityConfigError(`gemeentecode ${code} heeft geen 4 cijfers`);
  return `0000000199990${code}000`;
}

export interface IssuedCertificate {
  name: string;
  oin: string;
  certFile: string;
  keyFile: string;
}

export interface PkiResult {
  dir: string;
  caCertFile: string;
  caKeyFile: string;
  /** name (`hub`, `uwv`, `svb`, `gemeente-CODE`) -> OIN, as written to oins.json. */
  oins: Record<string, string>;
  certificates: Record<string, IssuedCertificate>;
}

export interface InitPkiOptions {
  /** Write into a folder that already has files in it (files of the same name are replaced). */
  force?: boolean;
}

/**
 * Makes a test CA (`ca.pem`, `ca.key`) and certificates with keys for the hub, UWV, SVB and
 * each gemeente (`gemeente-CODE.pem`/`.key`), and `oins.json`. Refuses a folder that is not
 * empty unless `force`.
 */
export async function initPki(
  dir: string,
  gemeenten: readonly string[] = DEFAULT_GEMEENTEN,
  options: InitPkiOptions = {},
): Promise<PkiResult> {
  const codes = [...new Set(gemeenten)];
  for (const c of codes)
    if (!GEMEENTECODE.test(c)) throw new SecurityConfigError(`gemeentecode ${c} heeft geen 4 cijfers`);
  prepareDir(dir, options.force ?? false);

  const wanted: [string, string, string][] = [
    ['hub', PKI_PARTIES.hub.oin, PKI_PARTIES.hub.organisation],
    ['uwv', PKI_PARTIES.uwv.oin, PKI_PARTIES.uwv.organisation],
    ['svb', PKI_PARTIES.svb.oin, PKI_PARTIES.svb.organisation],
    ...codes.map((c): [string, string, string] => [`gemeente-${c}`, gemeenteOin(c), `Gemeente ${c} (test)`]),
  ];
  // Key generation dominates; libuv's thread pool makes the keys side by side.
  const [caKeys, ...leafKeys] = await Promise.all([rsaKeyPair(), ...wanted.map(() => rsaKeyPair())]);
  const now = Date.now();
  const ca = forge.pki.createCertificate();
  ca.publicKey = forge.pki.publicKeyFromPem(
    caKeys.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  );
  ca.serialNumber = serialNumber();
  ca.validity.notBefore = new Date(now - 5 * 60_000);
  ca.validity.notAfter = new Date(now + CA_DAYS * DAY);
  const caName = [
    { shortName: 'C', value: 'NL' },
    { shortName: 'O', value: 'DKD test-PKI' },
    // A name of its own per CA, so that two test CAs are never mistaken for each other.
    { shortName: 'CN', value: `DKD test-CA ${randomBytes(4).toString('hex')} (niet voor productie)` },
  ];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signWith(ca, caKeys.privateKey);

  const caCertFile = path.join(dir, 'ca.pem');
  const caKeyFile = path.join(dir, 'ca.key');
  writeFileSync(caCertFile, forge.pki.certificateToPem(ca));
  writeKey(caKeyFile, caKeys.privateKey);

  const oins: Record<string, string> = {};
  const certificates: Record<string, IssuedCertificate> = {};
  const issuer = { cert: ca, key: caKeys.privateKey };
  for (const [i, [name, oin, organisation]] of wanted.entries()) {
    certificates[name] = issueWith(issuer, leafKeys[i]!, dir, name, oin, organisation);
    oins[name] = oin;
  }
  writeFileSync(path.join(dir, 'oins.json'), `${JSON.stringify(oins, null, 2)}\n`);
  return { dir, caCertFile, caKeyFile, oins, certificates };
}

export interface IssueOptions {
  /** The subject O; default derived from the name. */
  organisation?: string;
  /** Days of validity; default about two years. */
  validDays?: number;
}

/**
 * Issues one more certificate from the CA in `caDir` (its `ca.pem` and `ca.key`), written
 * as `<name>.pem` and `<name>.key` in that folder, and adds the name to `oins.json` there.
 */
export async function issueCertificate(
  caDir: string,
  name: string,
  oin: string,
  options: IssueOptions = {},
): Promise<IssuedCertificate> {
  checkNameAndOin(name, oin);
  const caCertFile = path.join(caDir, 'ca.pem');
  const caKeyFile = path.join(caDir, 'ca.key');
  if (!existsSync(caCertFile) || !existsSync(caKeyFile))
    throw new SecurityConfigError(`geen test-CA in ${caDir} (ca.pem en ca.key ontbreken)`);
  let issuer: Issuer;
  try {
    issuer = {
      cert: forge.pki.certificateFromPem(readFileSync(caCertFile, 'utf8')),
      key: createPrivateKey(readFileSync(caKeyFile)),
    };
  } catch {
    throw new SecurityConfigError(`de test-CA in ${caDir} is niet leesbaar`);
  }
  const keys = await rsaKeyPair();
  const issued = issueWith(
    issuer,
    keys,
    caDir,
    name,
    oin,
    options.organisation ?? organisationFor(name),
    options,
  );
  const oinsFile = path.join(caDir, 'oins.json');
  let oins: Record<string, string> = {};
  if (existsSync(oinsFile)) {
    try {
      oins = JSON.parse(readFileSync(oinsFile, 'utf8')) as Record<string, string>;
    } catch {
      throw new SecurityConfigError(`${oinsFile} is geen geldige JSON`);
    }
  }
  oins[name] = oin;
  writeFileSync(oinsFile, `${JSON.stringify(oins, null, 2)}\n`);
  return issued;
}

interface Issuer {
  cert: forge.pki.Certificate;
  key: KeyObject;
}

interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

function rsaKeyPair(): Promise<KeyPair> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) =>
      err ? reject(err) : resolve({ publicKey, privateKey }),
    ),
  );
}

function checkNameAndOin(name: string, oin: string): void {
  if (!NAME.test(name) || name === 'ca')
    throw new SecurityConfigError(`ongeldige naam voor een certificaat: ${name}`);
  if (!OIN.test(oin)) throw new SecurityConfigError(`een OIN heeft 20 cijfers (${name})`);
}

function issueWith(
  issuer: Issuer,
  keys: KeyPair,
  dir: string,
  name: string,
  oin: string,
  organisation: string,
  options: IssueOptions = {},
): IssuedCertificate {
  checkNameAndOin(name, oin);
  const now = Date.now();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    keys.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  );
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now - 5 * 60_000);
  cert.validity.notAfter = new Date(now + (options.validDays ?? LEAF_DAYS) * DAY);
  cert.setSubject([
    { shortName: 'C', value: 'NL' },
    { shortName: 'O', value: organisation },
    // OID 2.5.4.5, as PKIoverheid certificates carry the OIN.
    { name: 'serialNumber', value: oin },
    { shortName: 'CN', value: name },
  ]);
  cert.setIssuer(issuer.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    // Hub and gemeente certificates also serve TLS in tests and the demo.
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    {
      name: 'authorityKeyIdentifier',
      keyIdentifier: issuer.cert.generateSubjectKeyIdentifier().getBytes(),
    },
  ]);
  signWith(cert, issuer.key);
  const certFile = path.join(dir, `${name}.pem`);
  const keyFile = path.join(dir, `${name}.key`);
  writeFileSync(certFile, forge.pki.certificateToPem(cert));
  writeKey(keyFile, keys.privateKey);
  return { name, oin, certFile, keyFile };
}

// Part of node-forge's API that its type declarations leave out.
const forgeTbs = forge.pki as unknown as {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
};

/** SHA-256 with RSA over forge's to-be-signed structure, signed natively. */
function signWith(cert: forge.pki.Certificate, key: KeyObject): void {
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  const tbs = forge.asn1.toDer(forgeTbs.getTBSCertificate(cert)).getBytes();
  cert.signature = sign('sha256', Buffer.from(tbs, 'binary'), key).toString('binary');
}

/** A positive 16-byte serial number (the top bit clear, so DER needs no sign byte). */
function serialNumber(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x10;
  return b.toString('hex');
}

function writeKey(file: string, key: KeyObject): void {
  writeFileSync(file, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  // The mode of writeFileSync applies only to a new file; an overwritten one keeps its own.
  chmodSync(file, 0o600);
}

function organisationFor(name: string): string {
  if (name in PKI_PARTIES) return PKI_PARTIES[name as keyof typeof PKI_PARTIES].organisation;
  const g = /^gemeente-([0-9]{4})$/.exec(name);
  return g ? `Gemeente ${g[1]} (test)` : `${name} (test)`;
}

function prepareDir(dir: string, force: boolean): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new SecurityConfigError(`${dir} bestaat en is geen map`);
    if (!force && readdirSync(dir).length > 0)
      throw new SecurityConfigError(`${dir} is niet leeg; gebruik --force om bestanden te overschrijven`);
  } else {
    mkdirSync(dir, { recursive: true });
  }
}
