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
 * A verzamelbestand streamed through the upload endpoint. Streamed elements are forgotten
 * once handed over, so the element count bounds work, not memory; the time limit stops a
 * sender that trickles.
 */
export const UPLOAD_LIMITS: XmlLimits = {
  maxBytes: 1024 * 1024 * 1024,
  // The verzamelbestand format nests at most a dozen levels and has few attributes.
  maxDepth: 24,
  maxElements: 100_000_000,
  maxAttributes: 8,
  maxMillis: 30 * 60_000,
};

/** A verzamelbestand read from disk by `dkd validate`/`dkd ingest`: the same bounds as an upload. */
export const FILE_LIMITS: XmlLimits = { ...UPLOAD_LIMITS };

/** The HTTP body limit of the upload endpoint, in bytes (the XML limit plus multipart framing). */
export const UPLOAD_BODY_LIMIT = UPLOAD_LIMITS.maxBytes + 64 * 1024;
