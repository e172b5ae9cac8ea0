/**
 * The security library: TLS identity (the OIN in a certificate), WS-Security signing and
 * verification (Digikoppeling 2W-BE-S), replay protection, and the test PKI. It imports
 * only suwiml's namespaces and guarded reader; the HTTP layer and the command line use it.
 */
export { SecurityConfigError } from './errors.js';
export {
  certificateChainsTo,
  certificatesFromPem,
  isOin,
  oinFromCertificate,
  peerIdentity,
  toX509,
  validAt,
  type CertificateLike,
  type PeerIdentity,
} from './identity.js';
export {
  DEFAULT_GEMEENTEN,
  PKI_PARTIES,
  gemeenteOin,
  initPki,
  issueCertificate,
  type InitPkiOptions,
  type IssueOptions,
  type IssuedCertificate,
  type PkiResult,
} from './pki.js';
export { MemoryReplayGuard, checkReplay, type MemoryReplayGuardOptions, type ReplayGuard } from './replay.js';
export {
  clientTlsAgent,
  clientTlsOptions,
  serverTlsOptions,
  type ClientTlsFiles,
  type ServerTlsOptions,
  type TlsFiles,
} from './tls.js';
export {
  WSS,
  WsSecurityError,
  signEnvelope,
  verifyEnvelope,
  type SignOptions,
  type UnsignedEnvelope,
  type VerifiedSignature,
  type VerifyOptions,
  type VerifyRefusal,
  type VerifyResult,
  type VerifyRule,
} from './wssecurity.js';
export { DIGEST, EXC_C14N, SIGNATURE } from './algorithms.js';
