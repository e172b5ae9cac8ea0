/**
 * One Suwi-ML service version at one path, for the hub and for the gemeente kit alike:
 * read the envelope through the guarded reader, check the addressing headers and the
 * Action, decode the question, hand it to the handler, and write the answer (or a SOAP
 * Fault carrying an FWI Fout) with the answering addressing headers. A malformed or hostile
 * request gets a fault, never a crash and never a stack trace.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type Addressing,
  checkRequestAddressing,
  newMessageId,
  readAddressing,
  writeAddressing,
} from '../suwiml/addressing.js';
import type { Melding } from '../suwiml/fwi.js';
import type {
  AnyService,
  DataService,
  VerwijsindexService,
  VerwijsindexVraag,
} from '../suwiml/services/index.js';
import {
  buildEnvelope,
  buildFaultBody,
  contentType,
  type Envelope,
  type FaultCode,
  parseEnvelope,
  SoapFormatError,
  type SoapVersion,
  versionFromContentType,
} from '../suwiml/soap.js';
import type { Finding } from '../suwiml/xml/codec.js';
import { SOAP_LIMITS, XmlError } from '../suwiml/xml/tree.js';
import type { Bsn } from '../domain/values.js';
import { fwi, MELDINGEN, type MeldingDef } from './meldingen.js';

export type Vraag<S extends AnyService> = S extends DataService ? { bsn: Bsn } : VerwijsindexVraag;

export interface SoapRequestContext<S extends AnyService> {
  service: S;
  version: SoapVersion;
  env: Envelope;
  raw: string;
  addressing: Addressing;
  vraag: Vraag<S>;
  /** The caller's OIN, as established by `identify`. */
  oin: string;
  request: FastifyRequest;
  received: number;
  /** The wsa:MessageID the answer will carry (for the protocol, written before it leaves). */
  answerMessageId: string;
}

export type SoapReply = { kind: 'answer'; body: string } | { kind: 'fault'; code: FaultCode; fout: Melding };

/** Why a request was refused before it reached the handler (for the protocol and metrics). */
export interface Refusal {
  fout: Melding;
  addressing?: Addressing;
  oin?: string;
  /** The wsa:MessageID of the fault that is sent. */
  answerMessageId: string;
}

export interface SoapEndpointOptions<S extends AnyService> {
  service: S;
  /** The distinguished name given as Bron of the FWI messages. */
  dn: string;
  /** This party's own OIN, for the `?oin=` of wsa:From in answers. */
  ownOin: string;
  /** The public address of this endpoint as the caller used it. */
  address(req: FastifyRequest): string;
  /**
   * Establishes who calls: the OIN, or a refusal. Runs after the envelope is read and
   * before the question is decoded (e.g. TLS certificate, WS-Security signature, wsa:From).
   */
  identify(
    req: FastifyRequest,
    env: Envelope,
    raw: string,
    addressing: Addressing,
  ): Promise<{ oin: string } | { fout: Melding; oin?: string }>;
  handle(ctx: SoapRequestContext<S>): Promise<SoapReply>;
  /** Signs an outgoing envelope (WS-Security), when the chain runs signed. */
  sign?(envelope: string): string;
  /** Called for every request refused before the handler (protocol, metrics). */
  onRefused?(req: FastifyRequest, r: Refusal): Promise<void> | void;
  wsdl?(req: FastifyRequest): string;
  bodyLimit?: number;
}

function bsnFinding(findings: Finding[]): boolean {
  return findings.some(
    (f) => f.path.endsWith('/Burgerservicenr') && ['elfproef', 'length', 'pattern'].includes(f.rule),
  );
}

/** Details of findings for a fault: path and rule, never the value. */
export function findingDetails(findings: Finding[], max = 10): string[] {
  return findings.slice(0, max).map((f) => `${f.path}: ${f.rule} (${f.message})`);
}

export function registerSoapEndpoint<S extends AnyService>(
  app: FastifyInstance,
  o: SoapEndpointOptions<S>,
): void {
  const path = `/${o.service.path}`;
  const limit = o.bodyLimit ?? SOAP_LIMITS.maxBytes;

  const send = (
    reply: FastifyReply,
    version: SoapVersion,
    status: number,
    action: string,
    envelope: string,
  ) =>
    reply
      .code(status)
      .header('content-type', contentType(version, action))
      .send(o.sign ? o.sign(envelope) : envelope);

  const envelopeFor = (
    req: FastifyRequest,
    version: SoapVersion,
    action: string,
    body: string,
    a?: Addressing,
    messageId: string = newMessageId(),
  ) =>
    buildEnvelope({
      version,
      headers: writeAddressing({
        action,
        messageId,
        from: `${o.address(req)}?oin=${o.ownOin}`,
        ...((a?.replyTo ?? a?.from) !== undefined && { to: a?.replyTo ?? a?.from }),
        ...(a?.messageId !== undefined && { relatesTo: a.messageId }),
      }),
      body,
      bodyAttrs: 'wsu:Id="body"',
    });

  const fault = async (
    req: FastifyRequest,
    reply: FastifyReply,
    version: SoapVersion,
    code: FaultCode,
    def: MeldingDef | Melding,
    a?: Addressing,
    details: string[] = [],
    oin?: string,
  ) => {
    const m: Melding = 'soort' in def && 'bron' in def ? def : fwi(def as MeldingDef, o.dn, {}, details);
    const answerMessageId = newMessageId();
    if (o.onRefused)
      await o.onRefused(req, {
        fout: m,
        answerMessageId,
        ...(a && { addressing: a }),
        ...(oin && { oin }),
      });
    const status = version === '1.2' && code === 'Client' ? 400 : 500;
    return send(
      reply,
      version,
      status,
      o.service.actions.fault,
      envelopeFor(
        req,
        version,
        o.service.actions.fault,
        buildFaultBody(version, code, m),
        a,
        answerMessageId,
      ),
    );
  };

  app.register(async (scope) => {
    // Every body reaches the handler as bytes, whatever its content type: what is not SOAP gets a fault.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) =>
      done(null, body),
    );

    scope.setErrorHandler(async (err: Error & { code?: string; statusCode?: number }, req, reply) => {
      const version = versionFromContentType(req.headers['content-type']) ?? '1.1';
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        return fault(req, reply, version, 'Client', MELDINGEN.teGroot);
      if (err.statusCode && err.statusCode < 500)
        return fault(req, reply, version, 'Client', MELDINGEN.geenSoap);
      req.log.error({ err: { code: err.code, type: err.name } }, 'fout bij verwerken SOAP-verzoek');
      return fault(req, reply, version, 'Server', MELDINGEN.intern);
    });

    scope.get(path, async (req, reply) => {
      const q = req.query as Record<string, unknown>;
      if (o.wsdl && ('wsdl' in q || 'WSDL' in q))
        return reply.header('content-type', 'text/xml; charset=utf-8').send(o.wsdl(req));
      return reply
        .code(405)
        .header('allow', 'POST')
        .send('Gebruik POST voor SOAP, of GET ?wsdl voor de WSDL\n');
    });

    scope.post(path, { bodyLimit: limit }, async (req, reply) => {
      // The deadline runs from the moment the request arrived, not from when its body was read.
      const received = performance.now() - reply.elapsedTime;
      const declared = versionFromContentType(req.headers['content-type']);
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      let env: Envelope;
      try {
        env = parseEnvelope(raw, SOAP_LIMITS);
      } catch (e) {
        const version = (e instanceof SoapFormatError && e.version) || declared || '1.1';
        if (e instanceof XmlError) {
          const def = e.rule === 'limiet-grootte' ? MELDINGEN.teGroot : MELDINGEN.geenXml;
          return fault(req, reply, version, 'Client', def, undefined, [`${e.rule}: ${e.message}`]);
        }
        if (e instanceof SoapFormatError)
          return fault(req, reply, version, 'Client', MELDINGEN.geenSoap, undefined, [
            `${e.rule}: ${e.message}`,
          ]);
        throw e;
      }
      const version = env.version;
      const { value: addressing, findings: aFindings } = readAddressing(env.headers);
      const missing = [...aFindings, ...checkRequestAddressing(addressing)];
      if (missing.length)
        return fault(
          req,
          reply,
          version,
          'Client',
          MELDINGEN.addressing,
          addressing,
          findingDetails(missing),
        );
      const soapAction = (req.headers.soapaction as string | undefined)?.replace(/^"|"$/g, '');
      if (
        addressing.action !== o.service.actions.request ||
        (soapAction && soapAction !== addressing.action) ||
        env.payload.local !== o.service.operation
      )
        return fault(req, reply, version, 'Client', MELDINGEN.onbekendeOperatie, addressing, [
          `verwacht: ${o.service.actions.request}`,
        ]);
      const who = await o.identify(req, env, raw, addressing);
      if ('fout' in who) return fault(req, reply, version, 'Client', who.fout, addressing, [], who.oin);
      const decoded = (o.service.decodeRequest as (el: typeof env.payload) => ReturnType<S['decodeRequest']>)(
        env.payload,
      );
      if (!decoded.ok) {
        const def = bsnFinding(decoded.findings) ? MELDINGEN.bsn : MELDINGEN.schema;
        return fault(
          req,
          reply,
          version,
          'Client',
          def,
          addressing,
          findingDetails(decoded.findings),
          who.oin,
        );
      }
      const answerMessageId = newMessageId();
      const result = await o.handle({
        service: o.service,
        version,
        env,
        raw,
        addressing,
        vraag: decoded.value as Vraag<S>,
        oin: who.oin,
        request: req,
        received,
        answerMessageId,
      });
      if (result.kind === 'fault') {
        const status = version === '1.2' && result.code === 'Client' ? 400 : 500;
        return send(
          reply,
          version,
          status,
          o.service.actions.fault,
          envelopeFor(
            req,
            version,
            o.service.actions.fault,
            buildFaultBody(version, result.code, result.fout),
            addressing,
            answerMessageId,
          ),
        );
      }
      return send(
        reply,
        version,
        200,
        o.service.actions.response,
        envelopeFor(req, version, o.service.actions.response, result.body, addressing, answerMessageId),
      );
    });
  });
}

export type { DataService, VerwijsindexService };
