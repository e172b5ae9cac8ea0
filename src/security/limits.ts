/**
 * The limits on untrusted XML, in one place, for every way XML comes in: a SOAP request
 * on an endpoint, a verzamelbestand uploaded through the portal, and a file read from disk.
 * The guarded reader (suwiml/xml/tree.ts) and the verzamelbestand scanner enforce them;
 * both refuse a DOCTYPE outright, so entity declarations, external entities and entity
 * expansion never reach a parser.
 */
import { SOAP_LIMITS, type XmlLimits } from '../suwiml/xml/tree.js';

export { SOAP_LIMITS, type XmlLimits };

/**
 * A verzamelbestand read from disk by `dkd validate`/`dkd ingest` (and an upload, once it is
 * on disk): per-record bounds only. A whole-file size or time limit would make the files of
 * the largest gemeenten unreadable (a million clients is about 4.5 GB and takes minutes),
 * while the scanner forgets each record once handed over, so memory is bounded by one
 * record (RECORD_LIMITS), not by the file.
 */
export const FILE_LIMITS: XmlLimits = {
  maxBytes: Infinity,
  // The verzamelbestand format nests at most a dozen levels and has few attributes.
  maxDepth: 24,
  maxElements: Number.MAX_SAFE_INTEGER,
  maxAttributes: 8,
  maxMillis: Infinity,
};

/** The bounds of one record of a verzamelbestand: a real dossier holds hundreds of elements. */
export const RECORD_LIMITS = {
  /** Elements in one record (CLIENT), which bounds the memory of one. */
  maxElements: 100_000,
  /** Characters in one token (text, attribute value, name). */
  maxToken: 1024 * 1024,
} as const;

/**
 * A verzamelbestand sent to the upload endpoint: on top of FILE_LIMITS, the body may not be
 * larger than maxBytes (default of DKD_UPLOAD_MAX_BYTES) and must have arrived within
 * maxMillis, which stops a sender that trickles.
 */
export const UPLOAD_LIMITS: XmlLimits = {
  ...FILE_LIMITS,
  maxBytes: 4 * 1024 ** 3,
  maxMillis: 30 * 60_000,
};

/** The HTTP body limit of the upload endpoint, in bytes: the body is the file itself. */
export const UPLOAD_BODY_LIMIT = UPLOAD_LIMITS.maxBytes;
