/**
 * A gemeente's own Suwi-ML web service: the reference implementation of what a gemeente
 * that delivers by webservice runs, and the simulator the tests, the demo and the
 * benchmarks use. It answers Bijstandsregelingen and GSDDossierReintegratie from data held
 * in memory (loaded from a verzamelbestand), and can be told to be slow, to fail now and
 * then, or to hang.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Dossier } from '../domain/model.js';
import { oinFromUri, type Addressing } from '../suwiml/addressing.js';
import type { Melding } from '../suwiml/fwi.js';
import type { Envelope } from '../suwiml/soap.js';
import { DATA_SERVICES, type DataAntwoord, type DataService } from '../suwiml/services/index.js';
import { fwi, MELDINGEN } from '../http/meldingen.js';
import { registerSoapEndpoint } from '../http/soap-endpoint.js';
import { wsdlFor } from '../http/wsdl.js';

/** Where the service finds a client's dossier. */
export interface DossierSource {
  get(bsn: string): Dossier | undefined;
  readonly size: number;
}

export interface Storing {
  /** Every answer waits this long. */
  delayMs?: number;
  /** Share of questions (0..1) answered with a server fault. */
  failRate?: number;
  /** Never answer. */
  hang?: boolean;
}

export interface GemeenteServiceOptions {
  code: string;
  oin: string;
  data: DossierSource;
  /** Versions served; default: every version the kit has. */
  services?: readonly DataService[];
  storing?: Storing;
  /** Who may ask; default: anyone with an OIN. */
  mayAsk?: (oin: string) => boolean;
  /** Establishes the caller's OIN; default: the `?oin=` of wsa:From (plain HTTP, for local work). */
  identify?: (req: FastifyRequest, fromOin: string | undefined) => string | undefined;
  /**
   * Checks a request fully (client certificate, WS-Security signature, freshness, replay,
   * wsa:From) and names the caller or refuses; takes precedence over `identify`. Give it the
   * `identify` of securityFromFlags (src/security/config.ts).
   */
  authenticate?: (
    req: FastifyRequest,
    env: Envelope,
    raw: string,
    a: Addressing,
  ) => Promise<{ oin: string } | { fout: Melding }>;
  random?: () => number;
  logger?: boolean;
  https?: { cert: string | Buffer; key: string | Buffer; ca: string | Buffer };
  sign?: (envelope: string) => string;
}

export function inMemorySource(
  dossiers: Iterable<Dossier>,
): DossierSource & { replace(d: Iterable<Dossier>): void } {
  let map = new Map<string, Dossier>();
  const fill = (it: Iterable<Dossier>) => {
    const m = new Map<string, Dossier>();
    for (const d of it) m.set(d.client.burgerservicenr, d);
    map = m;
  };
  fill(dossiers);
  return {
    get: (bsn) => map.get(bsn),
    get size() {
      return map.size;
    },
    replace: fill,
  };
}

export function antwoordVoor(service: DataService, d: Dossier | undefined): DataAntwoord {
  if (!d) return { soort: 'nietsGevonden' };
  const cluster = service.dienst === 'bijstandsregelingen' ? d.bijstandsregelingen : d.reintegratie;
  if (!cluster) return { soort: 'nietsGevonden' };
  return { soort: 'gegevens', dossier: d, meldingen: [] };
}

export async function buildGemeenteService(o: GemeenteServiceOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger
      ? { level: process.env.DKD_LOG_LEVEL ?? 'info', redact: ['req.headers.authorization'] }
      : false,
    ...(o.https && {
      https: { ...o.https, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' as const },
    }),
  });
  const dn = `CN=Gemeente ${o.code},O=Gemeente ${o.code},C=NL`;
  const random = o.random ?? Math.random;
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const release of open) release();
  });

  for (const service of o.services ?? DATA_SERVICES) {
    registerSoapEndpoint(app, {
      service,
      dn,
      ownOin: o.oin,
      address: (req) => `${req.protocol}://${req.host}/${service.path}`,
      wsdl: (req) => wsdlFor(service, `${req.protocol}://${req.host}/${service.path}`),
      identify: async (req, _env, _raw, a) => {
        const fromOin = oinFromUri(a.from);
        const oin = o.identify ? o.identify(req, fromOin) : fromOin;
        if (!oin) return { fout: fwi(MELDINGEN.onbekendeAfzender, dn) };
        return { oin };
      },
      // The full check (TLS certificate, signature, replay) replaces the dev identification.
      ...(o.authenticate && { identify: o.authenticate }),
      ...(o.sign && { sign: o.sign }),
      handle: async (ctx) => {
        const s = o.storing ?? {};
        if (s.hang)
          await new Promise<void>((resolve) => {
            const release = () => {
              open.delete(release);
              resolve();
            };
            open.add(release);
            ctx.request.raw.once('close', release);
          });
        if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
        if (s.failRate && random() < s.failRate)
          return { kind: 'fault', code: 'Server', fout: fwi(MELDINGEN.intern, dn) };
        if (o.mayAsk && !o.mayAsk(ctx.oin))
          return { kind: 'answer', body: service.encodeAntwoord({ soort: 'nietGerechtigd' }) };
        return {
          kind: 'answer',
          body: service.encodeAntwoord(antwoordVoor(service, o.data.get(ctx.vraag.bsn))),
        };
      },
    });
  }
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async () => ({ status: 'ok', clienten: o.data.size }));
  return app;
}
