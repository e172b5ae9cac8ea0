/**
 * The security library: TLS identity (the OIN in a certificate), WS-Security signing and
 * verification (Digikoppeling 2W-BE-S), replay protection, the authorization policy, the
 * limits on untrusted XML, and the test PKI. `securityFromFlags` turns the command-line
 * flags into the options of the hub, a gemeente's service and the clients in one call. It
 * imports only suwiml (namespaces, FWI, the guarded reader); the HTTP layer and the command
 * line use it.
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
export {
  MemoryReplayGuard,
  StoreReplayGuard,
  checkReplay,
  type MemoryReplayGuardOptions,
  type ReplayGuard,
  type ReplayStore,
} from './replay.js';
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
export {
  SECURITY_FOUTEN,
  securityFromFlags,
  type ChainSecurity,
  type Identified,
  type IncomingRequest,
  type SecurityFlags,
} from './config.js';
export {
  magDataVragen,
  magLeveren,
  magVerwijzingMelden,
  type AfnemerRechten,
  type Besluit,
  type GemeenteIdentiteit,
} from './authorization.js';
export { FILE_LIMITS, SOAP_LIMITS, UPLOAD_BODY_LIMIT, UPLOAD_LIMITS, type XmlLimits } from './limits.js';
