/**
 * From command-line flags to a running trust set-up, in one call: the TLS options of a
 * server, the check of every incoming request (client certificate, WS-Security signature,
 * freshness, replay, wsa:From), the signing of every outgoing envelope, and the client side
 * for calls to others (a TLS agent with this party's certificate and a check of the signed
 * answer). The hub (`dkd serve`), a gemeente's own service (`dkd gemeente serve`) and the
 * clients (`dkd query`, the router) all take their options from the one object this returns.
 *
 * The objects are shaped to fit buildHub, buildGemeenteService and callSoap without this
 * folder importing the HTTP layer (dependencies point inwards).
 */
import { readFileSync } from 'node:fs';
import type { Agent } from 'undici';
import { oinFromUri } from '../suwiml/addressing.js';
import { melding, type Melding } from '../suwiml/fwi.js';
import { SecurityConfigError } from './errors.js';
import { certificateChainsTo, oinFromCertificate, peerIdentity, toX509 } from './identity.js';
import { checkReplay, MemoryReplayGuard, type ReplayGuard } from './replay.js';
import { clientTlsAgent, serverTlsOptions, type ServerTlsOptions } from './tls.js';
import { signEnvelope, verifyEnvelope, type VerifyRule } from './wssecurity.js';

/** The flags `dkd serve`, `dkd gemeente serve` and `dkd query` share. */
export interface SecurityFlags {
  /** Own certificate (PEM) for TLS, and for signing unless signCert is given. */
  tlsCert?: string;
  tlsKey?: string;
  /** The CAs whose certificates are trusted, for TLS and for signatures. */
  tlsCa?: string;
  /** Sign with another certificate than the TLS one (PKIoverheid often issues them apart). */
  signCert?: string;
  signKey?: string;
  /** How old a request's wsu:Created may be (default 300 s). */
  maxAgeSeconds?: number;
  /** Allowed clock difference (default 60 s). */
  clockSkewSeconds?: number;
  /** Where replayed MessageIDs are remembered; default one per process, in memory. */
  replayGuard?: ReplayGuard;
  /** Bron DN of the FWI refusals. */
  dn?: string;
}

/** Why a request was refused, as an FWI Fout with a stable code. */
export const SECURITY_FOUTEN = {
  geenCertificaat: {
    code: 'DKD-F031',
    tekst: 'Geen geldig clientcertificaat met een OIN (tweezijdig TLS is verplicht)',
  },
  afzender: {
    code: 'DKD-F011',
    tekst: 'Het OIN in wsa:From hoort niet bij het certificaat van de afzender',
  },
  geenHandtekening: {
    code: 'DKD-F032',
    tekst: 'Het bericht is niet ondertekend (WS-Security, Digikoppeling 2W-BE-S)',
  },
  handtekening: { code: 'DKD-F033', tekst: 'De handtekening van het bericht is ongeldig' },
  tijd: { code: 'DKD-F034', tekst: 'De wsu:Timestamp van het bericht ontbreekt, is ongeldig of is verlopen' },
  herhaald: { code: 'DKD-F035', tekst: 'Dit bericht (wsa:MessageID) is al eerder ontvangen' },
  ondertekenaar: {
    code: 'DKD-F036',
    tekst: 'Het bericht is niet ondertekend met een vertrouwd certificaat van de aanroeper',
  },
} as const;

type FoutDef = (typeof SECURITY_FOUTEN)[keyof typeof SECURITY_FOUTEN];

function foutFor(rule: VerifyRule): FoutDef {
  switch (rule) {
    case 'ws-security-ontbreekt':
      return SECURITY_FOUTEN.geenHandtekening;
    case 'timestamp-ontbreekt':
    case 'timestamp-ongeldig':
    case 'timestamp-verlopen':
    case 'timestamp-toekomst':
      return SECURITY_FOUTEN.tijd;
    case 'bericht-herhaald':
    case 'messageid-ontbreekt':
      return SECURITY_FOUTEN.herhaald;
    default:
      return SECURITY_FOUTEN.handtekening;
  }
}

/** What a request looks like to the checks: its socket, its raw text and its wsa:From. */
export interface IncomingRequest {
  raw: { socket: unknown };
}

/** The caller's OIN, or a refusal; a refusal names the OIN of the TLS certificate when it was valid. */
export type Identified = { oin: string } | { fout: Melding; oin?: string };

export interface ChainSecurity {
  /** This party's OIN, from the subject serialNumber of its certificate. */
  oin: string;
  /** For buildHub / buildGemeenteService: HTTPS that requires a client certificate from the CAs. */
  https: ServerTlsOptions;
  /**
   * The check of every SOAP request (the `identify` of buildHub and the `authenticate` of
   * buildGemeenteService): a client certificate that chains to the CAs and carries an OIN;
   * a valid signature over Body, Timestamp and addressing headers by a trusted certificate
   * of that same OIN; a fresh Timestamp; wsa:From naming that OIN; a MessageID not seen before.
   */
  identify(req: IncomingRequest, env: unknown, raw: string, a: { from?: string }): Promise<Identified>;
  /** The OIN of the TLS client certificate of a plain HTTP request (upload, portal). */
  identifyHttp(req: IncomingRequest): string | undefined;
  /** Signs an outgoing envelope (answers, questions to gemeenten, registrations). */
  sign(envelope: string): string;
  /**
   * Checks a signed answer: signed by a trusted certificate, of `expectedOin` when given.
   * Returns a reason to refuse it, or undefined.
   */
  verifyAnswer(raw: string, expectedOin?: string): string | undefined;
  /** For callSoap and the router: two-way TLS with this party's certificate. */
  dispatcher: Agent;
  /** The router's transport (dispatcher, sign, verify against the gemeente's registered OIN). */
  transport: {
    dispatcher: Agent;
    sign(envelope: string): string;
    verify(raw: string, g: { oin: string }): string | undefined;
  };
  /** Everything for buildHub (spread it into its options, or into startHubServer's `extra`). */
  hub: {
    identify: ChainSecurity['identify'];
    identifyHttp: ChainSecurity['identifyHttp'];
    sign: ChainSecurity['sign'];
    https: ServerTlsOptions;
    transport: ChainSecurity['transport'];
  };
  /** Everything for buildGemeenteService (spread it into its options). */
  gemeente: {
    oin: string;
    https: ServerTlsOptions;
    sign: ChainSecurity['sign'];
    authenticate: ChainSecurity['identify'];
  };
  /** Everything for callSoap to a party of the given OIN (spread it into the call). */
  client(expectedOin?: string): {
    dispatcher: Agent;
    sign: ChainSecurity['sign'];
    verify: (raw: string) => string | undefined;
  };
  close(): Promise<void>;
}

/**
 * Reads the flags into a ChainSecurity; undefined when none of the TLS flags is given (the
 * caller then runs in its insecure development mode or refuses to start). A half-given set
 * is an error that names what is missing.
 */
export function securityFromFlags(flags: SecurityFlags): ChainSecurity | undefined {
  const given = [flags.tlsCert, flags.tlsKey, flags.tlsCa].filter(Boolean).length;
  if (given === 0 && !flags.signCert && !flags.signKey) return undefined;
  if (!flags.tlsCert || !flags.tlsKey || !flags.tlsCa)
    throw new SecurityConfigError('geef --tls-cert, --tls-key en --tls-ca samen (tweezijdig TLS)');
  if (Boolean(flags.signCert) !== Boolean(flags.signKey))
    throw new SecurityConfigError('geef --sign-cert en --sign-key samen');
  // The TLS layer asks for and checks the client certificate, but a connection without one
  // (or with one of an unknown CA) is let through to the request: there the SOAP endpoint
  // refuses it with a fault that is protocolled, and health checks still work. Nothing is
  // answered on a SOAP endpoint without an authorized certificate.
  const https = serverTlsOptions({
    certFile: flags.tlsCert,
    keyFile: flags.tlsKey,
    caFile: flags.tlsCa,
    requireClientCert: false,
  });
  const caPem = https.ca;
  const oin = oinFromCertificate(https.cert);
  if (!oin)
    throw new SecurityConfigError(
      `het certificaat ${flags.tlsCert} heeft geen OIN (20 cijfers) in het serialNumber van het subject`,
    );
  const signCertPem = flags.signCert ? readFile(flags.signCert, 'ondertekencertificaat') : https.cert;
  const signKeyPem = flags.signKey ? readFile(flags.signKey, 'ondertekensleutel') : https.key;
  const signCert = toX509(signCertPem);
  if (!signCert) throw new SecurityConfigError(`geen PEM-certificaat: ${flags.signCert}`);
  if (oinFromCertificate(signCert) !== oin)
    throw new SecurityConfigError('het ondertekencertificaat heeft een ander OIN dan het TLS-certificaat');
  // Fail at start, not on the first message, when key and certificate do not fit.
  const sign = (envelope: string) => signEnvelope(envelope, { keyPem: signKeyPem, certPem: signCertPem });
  sign('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/><s:Body/></s:Envelope>');

  const dn = flags.dn ?? `serialNumber=${oin}`;
  const guard = flags.replayGuard ?? new MemoryReplayGuard();
  const verifyOptions = {
    ...(flags.maxAgeSeconds !== undefined && { maxAgeSeconds: flags.maxAgeSeconds }),
    ...(flags.clockSkewSeconds !== undefined && { clockSkewSeconds: flags.clockSkewSeconds }),
  };
  const fout = (def: FoutDef, details: string[] = []): { fout: Melding } => ({
    fout: melding('Fout', def.code, def.tekst, dn, details),
  });

  const identify = async (
    req: IncomingRequest,
    _env: unknown,
    raw: string,
    a: { from?: string },
  ): Promise<Identified> => {
    const peer = peerIdentity(req.raw.socket);
    if (!peer.authorized || !peer.oin) return fout(SECURITY_FOUTEN.geenCertificaat);
    const caller = peer.oin;
    const refuse = (def: FoutDef, details: string[] = []) => ({ ...fout(def, details), oin: caller });
    const v = verifyEnvelope(raw, verifyOptions);
    if (!v.ok) return refuse(foutFor(v.rule), [`${v.rule}: ${v.message}`]);
    if (!certificateChainsTo(v.certificate, [caPem]))
      return refuse(SECURITY_FOUTEN.ondertekenaar, [
        'het ondertekencertificaat is niet van een vertrouwde CA',
      ]);
    if (v.oin !== caller)
      return refuse(SECURITY_FOUTEN.ondertekenaar, [
        'het OIN van het ondertekencertificaat is niet dat van het TLS-clientcertificaat',
      ]);
    if (oinFromUri(a.from) !== caller) return refuse(SECURITY_FOUTEN.afzender);
    // Last, so that a refused message does not use up its MessageID.
    const replay = await checkReplay(v, guard);
    if (replay) return refuse(foutFor(replay.rule), [`${replay.rule}: ${replay.message}`]);
    return { oin: peer.oin };
  };

  const verifyAnswer = (raw: string, expectedOin?: string): string | undefined => {
    const v = verifyEnvelope(raw, { ...verifyOptions, limits: ANSWER_VERIFY_LIMITS });
    if (!v.ok) return `het antwoord is niet geldig ondertekend (${v.rule})`;
    if (!certificateChainsTo(v.certificate, [caPem]))
      return 'het antwoord is ondertekend met een certificaat van een onbekende CA';
    if (expectedOin !== undefined && v.oin !== expectedOin)
      return 'het antwoord is ondertekend door een andere partij dan gevraagd';
    return undefined;
  };

  const dispatcher = clientTlsAgent({ certFile: flags.tlsCert, keyFile: flags.tlsKey, caFile: flags.tlsCa });
  const identifyHttp = (req: IncomingRequest) => {
    const peer = peerIdentity(req.raw.socket);
    return peer.authorized ? peer.oin : undefined;
  };
  const transport = {
    dispatcher,
    sign,
    verify: (raw: string, g: { oin: string }) => verifyAnswer(raw, g.oin),
  };
  return {
    oin,
    https,
    identify,
    identifyHttp,
    sign,
    verifyAnswer,
    dispatcher,
    transport,
    hub: { identify, identifyHttp, sign, https, transport },
    gemeente: { oin, https, sign, authenticate: identify },
    client: (expectedOin) => ({ dispatcher, sign, verify: (raw) => verifyAnswer(raw, expectedOin) }),
    close: () => dispatcher.close(),
  };
}

/** Signed answers may carry a large dossier (see ANSWER_LIMITS of the SOAP client). */
const ANSWER_VERIFY_LIMITS = {
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 48,
  maxElements: 500_000,
  maxAttributes: 32,
  maxMillis: 2000,
};

function readFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new SecurityConfigError(`${what} is niet te lezen: ${file}`);
  }
}
