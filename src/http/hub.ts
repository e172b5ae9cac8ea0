/**
 * The hub's HTTP server: the Suwi-ML endpoints of every supported service version, the
 * WSDL of each, health and metrics. Questions go to the router; IBVerwijsindex updates the
 * verwijsindex for the calling gemeente only.
 */
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { Codetabellen } from '../domain/codetabellen.js';
import type { Bsn } from '../domain/values.js';
import { oinFromUri, type Addressing } from '../suwiml/addressing.js';
import { DATA_SERVICES, VERWIJSINDEX_SERVICES, type DataService } from '../suwiml/services/index.js';
import type { Envelope } from '../suwiml/soap.js';
import type { Afnemer, Gemeente, Store } from '../store/types.js';
import {
  DEFAULT_ROUTER_CONFIG,
  Router,
  type RouterConfig,
  type RoutingResult,
  type Transport,
} from '../routing/router.js';
import type { Melding } from '../suwiml/fwi.js';
import type { ProtocolEvent } from '../audit/protocol.js';
import { fwi, MELDINGEN } from './meldingen.js';
import { magDataVragen, magVerwijzingMelden } from '../security/authorization.js';
import { HubMetrics } from './metrics.js';
import { registerSoapEndpoint, type Refusal } from './soap-endpoint.js';
import { wsdlFor } from './wsdl.js';

export type { ProtocolEvent } from '../audit/protocol.js';

export interface HubOptions {
  store: Store;
  /** This hub's OIN (wsa:From of answers and of questions to gemeenten). */
  hubOin: string;
  /** Distinguished name in the Bron of the hub's FWI messages. */
  dn?: string;
  /** The base URL chain partners use, for WSDL addresses; default: from the request. */
  publicUrl?: string;
  /**
   * Plain HTTP for local work: the caller is the OIN in wsa:From `?oin=`. Without it, the
   * caller must be established by `identify` (TLS client certificate).
   */
  insecureDev?: boolean;
  identify?: (
    req: FastifyRequest,
    env: Envelope,
    raw: string,
    a: Addressing,
  ) => Promise<{ oin: string } | { fout: Melding; oin?: string }>;
  router?: Partial<RouterConfig>;
  transport?: Transport;
  /** Records a protocol entry; when it throws, the question is refused. */
  protocol?: (e: ProtocolEvent) => Promise<void>;
  sign?: (envelope: string) => string;
  /**
   * The caller of a plain HTTP route (upload, portal) under TLS: the OIN of its client
   * certificate (securityFromFlags().identifyHttp). Without it, only dev mode identifies.
   */
  identifyHttp?: (req: FastifyRequest) => string | undefined;
  logger?: FastifyServerOptions['logger'];
  https?: import('node:https').ServerOptions;
  /** Extra routes (upload, portal), registered on the same server. */
  plugins?: ((app: FastifyInstance, hub: HubContext) => Promise<void>)[];
}

export interface HubContext {
  store: Store;
  router: Router;
  metrics: HubMetrics;
  identifyHttp(req: FastifyRequest): string | undefined;
  /**
   * Records a protocol entry (for plugins: an upload and its refusal). Throws when it cannot
   * be written; the plugin then refuses what it was asked.
   */
  protocol(e: ProtocolEvent): Promise<void>;
}

/** Pino options: JSON lines without request bodies or headers that could carry personal data. */
export const LOGGER_OPTIONS = {
  level: process.env.DKD_LOG_LEVEL ?? 'info',
  redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
  serializers: {
    req: (r: { method: string; url: string; id: string }) => ({
      method: r.method,
      url: r.url.split('?')[0],
      id: r.id,
    }),
  },
};

export async function buildHub(o: HubOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger ?? false,
    ...(o.https ? { https: o.https } : {}),
    trustProxy: false,
  } as FastifyServerOptions);
  const dn = o.dn ?? 'CN=DKD hub,O=Inlichtingenbureau,C=NL';
  const metrics = new HubMetrics();
  const router = new Router(
    o.store,
    {
      ...DEFAULT_ROUTER_CONFIG,
      ...o.router,
      hubOin: o.hubOin,
      hubAddress: o.publicUrl ?? 'https://dkd-hub.invalid',
      dn,
    },
    metrics,
    o.transport,
  );
  const codes = Codetabellen.load();
  const afnemers = new Map<string, { at: number; a: Afnemer | undefined }>();
  const afnemer = async (oin: string) => {
    const c = afnemers.get(oin);
    if (c && Date.now() - c.at < 2000) return c.a;
    const a = await o.store.getAfnemer(oin);
    afnemers.set(oin, { at: Date.now(), a });
    return a;
  };
  const base = (req: FastifyRequest) => o.publicUrl ?? `${req.protocol}://${req.host}`;

  const identify =
    o.identify ??
    (async (_req: FastifyRequest, _env: Envelope, _raw: string, a: Addressing) => {
      const oin = oinFromUri(a.from);
      return oin ? { oin } : { fout: fwi(MELDINGEN.onbekendeAfzender, dn) };
    });
  if (!o.identify && !o.insecureDev)
    throw new Error('the hub needs TLS identification, or insecureDev for local work');

  const protocol = async (e: ProtocolEvent) => {
    if (o.protocol) await o.protocol(e);
  };
  const onRefused =
    (service: { dienst: string; versie: string }) => async (req: FastifyRequest, r: Refusal) => {
      metrics.refusals.inc({ service: service.dienst, code: r.fout.code });
      await protocol({
        tijd: new Date().toISOString(),
        // Only an established identity is "who"; what wsa:From claimed is kept apart.
        oin: r.oin ?? (o.insecureDev ? oinFromUri(r.addressing?.from) : undefined) ?? null,
        afzenderOin: oinFromUri(r.addressing?.from) ?? null,
        dienst: service.dienst,
        versie: service.versie,
        bsn: null,
        messageId: r.addressing?.messageId ?? null,
        antwoordMessageId: r.answerMessageId,
        uitkomst: 'geweigerd',
        bronnen: [],
        ms: 0,
        fout: r.fout.code,
      }).catch((err: Error) =>
        req.log.error({ err: { type: err.name } }, 'protocol niet geschreven voor weigering'),
      );
    };

  const answerData =
    (svc: DataService) =>
    async (ctx: Parameters<Parameters<typeof registerSoapEndpoint<DataService>>[1]['handle']>[0]) => {
      const t0 = ctx.received;
      const a = await afnemer(ctx.oin);
      const mag = magDataVragen(a, svc.dienst, svc.versie).toegestaan;
      let result: RoutingResult;
      if (!mag) {
        metrics.refusals.inc({ service: svc.dienst, code: 'NietGerechtigd' });
        result = { antwoord: { soort: 'nietGerechtigd' }, bronnen: [] };
      } else {
        result = await router.ask(svc.dienst, ctx.vraag.bsn, t0);
      }
      const ms = Math.round((performance.now() - t0) * 10) / 10;
      try {
        await protocol({
          tijd: new Date().toISOString(),
          oin: ctx.oin,
          dienst: svc.dienst,
          versie: svc.versie,
          bsn: ctx.vraag.bsn,
          messageId: ctx.addressing.messageId ?? null,
          antwoordMessageId: ctx.answerMessageId,
          uitkomst: result.antwoord.soort,
          bronnen: result.bronnen,
          ms,
        });
      } catch (err) {
        ctx.request.log.error(
          { err: { type: (err as Error).name } },
          'protocol niet geschreven; vraag geweigerd',
        );
        metrics.questions.inc({ service: svc.dienst, versie: svc.versie, answer: 'protocolfout' });
        return { kind: 'fault' as const, code: 'Server' as const, fout: fwi(MELDINGEN.protocol, dn) };
      }
      metrics.questions.inc({ service: svc.dienst, versie: svc.versie, answer: result.antwoord.soort });
      metrics.questionDuration.observe({ service: svc.dienst }, ms / 1000);
      return { kind: 'answer' as const, body: svc.encodeAntwoord(result.antwoord) };
    };

  for (const svc of DATA_SERVICES) {
    registerSoapEndpoint(app, {
      service: svc,
      dn,
      ownOin: o.hubOin,
      address: (req) => `${base(req)}/${svc.path}`,
      identify,
      handle: answerData(svc),
      onRefused: onRefused(svc),
      wsdl: (req) => wsdlFor(svc, `${base(req)}/${svc.path}`),
      ...(o.sign && { sign: o.sign }),
    });
  }

  for (const svc of VERWIJSINDEX_SERVICES) {
    registerSoapEndpoint(app, {
      service: svc,
      dn,
      ownOin: o.hubOin,
      address: (req) => `${base(req)}/${svc.path}`,
      identify,
      onRefused: onRefused(svc),
      wsdl: (req) => wsdlFor(svc, `${base(req)}/${svc.path}`),
      ...(o.sign && { sign: o.sign }),
      handle: async (ctx) => {
        const v = ctx.vraag;
        const g: Gemeente | undefined = await o.store.getGemeenteByOin(ctx.oin);

        const event = {
          tijd: new Date().toISOString(),
          oin: ctx.oin,
          dienst: svc.dienst,
          versie: svc.versie,
          bsn: v.burgerservicenr as string,
          messageId: ctx.addressing.messageId ?? null,
          antwoordMessageId: ctx.answerMessageId,
          bronnen: [],
        };
        if (!g || !magVerwijzingMelden(g, v.bron).toegestaan) {
          metrics.refusals.inc({ service: svc.dienst, code: 'NietGerechtigd' });
          await protocol({
            ...event,
            uitkomst: 'nietGerechtigd',
            fout: 'NietGerechtigd',
            ms: performance.now() - ctx.received,
          }).catch(() => undefined);
          return {
            kind: 'answer',
            body: '<fwi:NietGerechtigd xmlns:fwi="http://bkwi.nl/SuwiML/FWI/v0205"/>',
          };
        }
        const bad = v.clusteringIb.find(
          (c) => codes.oordeel('CdClusteringIb', c.cdClusteringIb) !== 'geldig',
        );
        if (bad) return { kind: 'fault', code: 'Client', fout: fwi(MELDINGEN.onbekendeCluster, dn) };
        if (v.clusteringIb.some((c) => c.indDkd !== '1' && c.indDkd !== '2'))
          return { kind: 'fault', code: 'Client', fout: fwi(MELDINGEN.indDkd, dn) };
        try {
          await protocol({ ...event, uitkomst: 'aanmelding', ms: performance.now() - ctx.received });
        } catch {
          return { kind: 'fault', code: 'Server', fout: fwi(MELDINGEN.protocol, dn) };
        }
        const meldingen: Melding[] = [];
        for (const c of v.clusteringIb) {
          const r = await o.store.aanmelden(
            v.burgerservicenr as Bsn,
            g.code,
            c.cdClusteringIb,
            c.indDkd === '1',
          );
          metrics.aanmeldingen.inc({ gemeente: g.code, effect: r.effect });
        }
        if (v.clusteringIb.every((c) => c.indDkd === '2')) meldingen.push(fwi(MELDINGEN.afgemeld, dn));
        return { kind: 'answer', body: svc.encodeAntwoord({ acknowledgement: true, meldingen }) };
      },
    });
  }

  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_req, reply) => {
    try {
      const versie = await o.store.schemaVersion();
      return { status: 'ok', store: o.store.engine, schema: versie };
    } catch {
      return reply.code(503).send({ status: 'niet gereed', store: o.store.engine });
    }
  });
  app.get('/metrics', async (_req, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  const hub: HubContext = {
    store: o.store,
    router,
    metrics,
    protocol,
    identifyHttp: (req) => {
      if (o.identifyHttp) return o.identifyHttp(req);
      if (o.insecureDev) {
        const q = req.query as Record<string, string | undefined>;
        const h = req.headers['x-dkd-oin'];
        const oin = q.oin ?? (typeof h === 'string' ? h : undefined);
        return oin && /^[0-9]{20}$/.test(oin) ? oin : undefined;
      }
      return undefined;
    },
  };
  for (const p of o.plugins ?? []) await p(app, hub);
  return app;
}
