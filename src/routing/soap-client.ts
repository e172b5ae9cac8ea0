/**
 * A Suwi-ML client over HTTP(S): builds the envelope with the addressing headers of the
 * Transactiestandaard, optionally signs it, posts it with a deadline, and reads the answer
 * through the guarded reader with a size limit. Used by the hub to ask gemeenten, by a
 * gemeente to register in the hub's verwijsindex, and by `dkd query`.
 *
 * Every failure is a value, never an exception: the hub must answer within its deadline
 * whatever a gemeente does.
 */
import { request, type Dispatcher } from 'undici';
import { type Addressing, newMessageId, readAddressing, writeAddressing } from '../suwiml/addressing.js';
import {
  buildEnvelope,
  contentType,
  type Envelope,
  faultSummary,
  isFault,
  parseEnvelope,
  type SoapVersion,
} from '../suwiml/soap.js';
import { SOAP_LIMITS, type XmlLimits } from '../suwiml/xml/tree.js';

export interface SoapCall {
  url: string;
  action: string;
  /** The payload element as XML text. */
  body: string;
  /** wsa:From: the asking application's address with `?oin=`. */
  from: string;
  /** wsa:To; defaults to the URL. */
  to?: string;
  version?: SoapVersion;
  timeoutMs: number;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  /** Signs the envelope (WS-Security), when the chain runs signed. */
  sign?: (envelope: string) => string;
  /** Checks the raw answer (e.g. its signature); throws or returns a reason to refuse it. */
  verify?: (raw: string) => string | undefined;
  /** Limits on the answer. */
  limits?: Partial<XmlLimits>;
}

export type SoapFailureKind = 'timeout' | 'netwerk' | 'http' | 'ongeldig' | 'fault' | 'afgebroken';

export type SoapResult =
  | { ok: true; env: Envelope; addressing: Addressing; status: number; ms: number; messageId: string }
  | {
      ok: false;
      kind: SoapFailureKind;
      /** A short reason without message content. */
      reason: string;
      status?: number;
      faultCode?: string;
      ms: number;
      messageId: string;
    };

/** Answers may hold a large dossier; a question is small. */
export const ANSWER_LIMITS: XmlLimits = {
  ...SOAP_LIMITS,
  maxBytes: 16 * 1024 * 1024,
  maxElements: 500_000,
  maxMillis: 2000,
};

export async function callSoap(c: SoapCall): Promise<SoapResult> {
  const version = c.version ?? '1.1';
  const messageId = newMessageId();
  const t0 = performance.now();
  const ms = () => Math.round((performance.now() - t0) * 10) / 10;
  let envelope = buildEnvelope({
    version,
    headers: writeAddressing({ action: c.action, messageId, from: c.from, to: c.to ?? c.url }),
    body: c.body,
    bodyAttrs: 'wsu:Id="body"',
  });
  if (c.sign) envelope = c.sign(envelope);
  const limits = { ...ANSWER_LIMITS, ...c.limits };
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error('timeout')), c.timeoutMs);
  const onOuterAbort = () => ac.abort(new Error('afgebroken'));
  c.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const fail = (
    kind: SoapFailureKind,
    reason: string,
    extra: { status?: number; faultCode?: string } = {},
  ): SoapResult => ({
    ok: false,
    kind,
    reason,
    ...extra,
    ms: ms(),
    messageId,
  });
  try {
    if (c.signal?.aborted) return fail('afgebroken', 'de vraag is afgebroken');
    const headers: Record<string, string> = { 'content-type': contentType(version, c.action) };
    if (version === '1.1') headers.soapaction = `"${c.action}"`;
    const res = await request(c.url, {
      method: 'POST',
      headers,
      body: envelope,
      signal: ac.signal,
      ...(c.dispatcher && { dispatcher: c.dispatcher }),
      // undici checks these on a coarse clock that may fire up to a second early or late;
      // the abort timer above keeps the deadline, these only catch a stalled socket.
      headersTimeout: c.timeoutMs + 2000,
      bodyTimeout: c.timeoutMs + 2000,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > limits.maxBytes) {
        res.body.destroy();
        return fail('ongeldig', `het antwoord is groter dan ${limits.maxBytes} bytes`, {
          status: res.statusCode,
        });
      }
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    let env: Envelope;
    try {
      env = parseEnvelope(raw, limits);
    } catch (e) {
      if (res.statusCode >= 400) return fail('http', `HTTP ${res.statusCode}`, { status: res.statusCode });
      return fail('ongeldig', `het antwoord is geen bruikbare SOAP-envelope (${(e as Error).message})`, {
        status: res.statusCode,
      });
    }
    if (isFault(env)) {
      const f = faultSummary(env);
      return fail('fault', `SOAP Fault${f.code ? ` ${f.code}` : ''}`, {
        status: res.statusCode,
        ...(f.code !== undefined && { faultCode: f.code }),
      });
    }
    if (res.statusCode >= 400) return fail('http', `HTTP ${res.statusCode}`, { status: res.statusCode });
    if (c.verify) {
      const why = c.verify(raw);
      if (why) return fail('ongeldig', why, { status: res.statusCode });
    }
    const { value: addressing, findings } = readAddressing(env.headers);
    if (findings.length) return fail('ongeldig', findings[0]!.message, { status: res.statusCode });
    if (addressing.relatesTo !== undefined && addressing.relatesTo !== messageId)
      return fail('ongeldig', 'wsa:RelatesTo verwijst niet naar de vraag', { status: res.statusCode });
    return { ok: true, env, addressing, status: res.statusCode, ms: ms(), messageId };
  } catch (e) {
    const err = e as Error & { code?: string };
    if (ac.signal.aborted) {
      const r = ac.signal.reason as Error | undefined;
      return r?.message === 'afgebroken'
        ? fail('afgebroken', 'de vraag is afgebroken')
        : fail('timeout', `geen antwoord binnen ${c.timeoutMs} ms`);
    }
    if (err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT')
      return fail('timeout', `geen antwoord binnen ${c.timeoutMs} ms`);
    return fail('netwerk', `verbinding mislukt${err.code ? ` (${err.code})` : ''}`);
  } finally {
    clearTimeout(timer);
    c.signal?.removeEventListener('abort', onOuterAbort);
  }
}
