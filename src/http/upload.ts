/**
 * Upload of a verzamelbestand over HTTP, for a gemeente's machines: the body is streamed
 * to disk (hashed on the way, cut off above a size limit), a delivery is registered, and
 * the file is checked and loaded in the background, one file at a time. The answer names
 * the status and report URLs.
 *
 *   POST /verzamelbestand                 body: the file (any content type)  -> 202
 *   GET  /verzamelbestand/:id             status and summary of the delivery
 *   GET  /verzamelbestand/:id/rapport     the processing report (JSON; text with
 *                                         Accept: text/plain or ?formaat=tekst)
 *
 * The caller is identified as on the hub's other endpoints (HubContext.identifyHttp) and
 * must be a registered gemeente; it sees only its own deliveries, and a file whose Kop
 * names another gemeente is refused (rule gemeente-niet-afzender).
 *
 * Deliveries left `ontvangen` or `verwerken` by a stopped hub are taken up again when the
 * plugin starts, as long as their file is still there.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_MAX_FOUTEN_PCT, verwerk } from '../batch/ingest.js';
import { rapportAlsTekst, type Rapport } from '../batch/report.js';
import { UPLOAD_LIMITS } from '../security/limits.js';
import type { Gemeente, Levering, Store } from '../store/types.js';
import type { HubContext } from './hub.js';

export interface UploadOptions {
  /** Where received files wait for processing. */
  dir: string;
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** How long receiving the body may take (default UPLOAD_LIMITS.maxMillis): stops a sender that trickles. */
  maxMillis?: number;
  maxFoutenPct?: number;
  /** Called when a background load ends (tests, metrics); never with personal data. */
  onVerwerkt?: (leveringId: number, status: string) => void;
}

/** The whole-file limits of an upload are those of src/security/limits.ts. */
export const DEFAULT_UPLOAD_MAX_BYTES = UPLOAD_LIMITS.maxBytes;

/** DKD_UPLOAD_DIR (default ./data/uploads), DKD_UPLOAD_MAX_BYTES (default 4 GiB), DKD_MAX_FOUTEN_PCT. */
export function uploadOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): UploadOptions {
  const max = env.DKD_UPLOAD_MAX_BYTES;
  const pct = env.DKD_MAX_FOUTEN_PCT;
  if (max !== undefined && !/^[0-9]+$/.test(max))
    throw new Error('DKD_UPLOAD_MAX_BYTES moet een aantal bytes zijn');
  return {
    dir: env.DKD_UPLOAD_DIR ?? './data/uploads',
    maxBytes: max !== undefined ? Number(max) : DEFAULT_UPLOAD_MAX_BYTES,
    maxFoutenPct: pct !== undefined && pct !== '' ? Number(pct) : DEFAULT_MAX_FOUTEN_PCT,
  };
}

class TeGroot extends Error {}
class TeLangzaam extends Error {}

export function uploadPlugin(o: UploadOptions) {
  return async (app: FastifyInstance, hub: HubContext): Promise<void> => {
    mkdirSync(o.dir, { recursive: true });
    const store = hub.store;
    const file = (id: number) => join(o.dir, `levering-${id}.xml`);
    let queue: Promise<void> = Promise.resolve();

    const enqueue = (id: number, gemeente: string, sha256: string, naam: string | null) => {
      queue = queue.then(async () => {
        try {
          const r = await verwerk({
            file: file(id),
            modus: 'ingest',
            store,
            leveringId: id,
            sha256,
            verwachteGemeente: gemeente,
            bestandsnaam: naam ?? '(upload zonder naam)',
            ...(o.maxFoutenPct !== undefined && { maxFoutenPct: o.maxFoutenPct }),
          });
          o.onVerwerkt?.(id, r.status);
        } catch (e) {
          app.log.error(
            { levering: id, err: (e as Error).name },
            'verwerking van een verzamelbestand mislukt',
          );
          o.onVerwerkt?.(id, 'mislukt');
        } finally {
          await rm(file(id), { force: true });
        }
      });
    };

    // Take up deliveries a stopped hub left behind.
    for (const l of await store.listLeveringen(undefined, 1000))
      if ((l.status === 'ontvangen' || l.status === 'verwerken') && existsSync(file(l.id)))
        enqueue(l.id, l.gemeente, l.bestandHash, l.bestandsnaam);

    const caller = async (req: FastifyRequest, reply: FastifyReply): Promise<Gemeente | undefined> => {
      const oin = hub.identifyHttp(req);
      if (!oin) {
        await reply.code(401).send({ fout: 'afzender onbekend: identificeer de gemeente' });
        return undefined;
      }
      const g = await store.getGemeenteByOin(oin);
      if (!g) {
        await reply.code(403).send({ fout: 'deze afzender is geen aangemelde gemeente' });
        return undefined;
      }
      return g;
    };

    const own = async (req: FastifyRequest, reply: FastifyReply): Promise<Levering | undefined> => {
      const g = await caller(req, reply);
      if (!g) return undefined;
      const id = Number((req.params as { id: string }).id);
      const l = Number.isSafeInteger(id) ? await store.getLevering(id) : undefined;
      if (!l || l.gemeente !== g.code) {
        await reply.code(404).send({ fout: 'levering niet gevonden' });
        return undefined;
      }
      return l;
    };

    const urls = (id: number) => ({
      statusUrl: `/verzamelbestand/${id}`,
      rapportUrl: `/verzamelbestand/${id}/rapport`,
    });

    await app.register(async (scope) => {
      // The body is the file: not parsed, streamed to disk by the handler.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

      scope.post('/verzamelbestand', async (req, reply) => {
        const g = await caller(req, reply);
        if (!g) return reply;
        const announced = Number(req.headers['content-length'] ?? 0);
        if (announced > o.maxBytes) {
          req.raw.resume();
          reply.header('connection', 'close');
          return reply.code(413).send({ fout: `het bestand is groter dan ${o.maxBytes} bytes` });
        }
        const tmp = join(o.dir, `upload-${randomUUID()}.part`);
        const hash = createHash('sha256');
        let bytes = 0;
        const timer = setTimeout(
          () => req.raw.destroy(new TeLangzaam()),
          o.maxMillis ?? UPLOAD_LIMITS.maxMillis,
        );
        try {
          await pipeline(
            req.raw,
            new Transform({
              transform(chunk: Buffer, _enc, done) {
                bytes += chunk.length;
                if (bytes > o.maxBytes) return done(new TeGroot());
                hash.update(chunk);
                done(null, chunk);
              },
            }),
            createWriteStream(tmp),
          );
          clearTimeout(timer);
        } catch (e) {
          clearTimeout(timer);
          await rm(tmp, { force: true });
          // The connection is gone; there is nobody left to answer.
          if (e instanceof TeLangzaam) return reply;
          if (e instanceof TeGroot) {
            reply.header('connection', 'close');
            return reply.code(413).send({ fout: `het bestand is groter dan ${o.maxBytes} bytes` });
          }
          throw e;
        }
        if (bytes === 0) {
          await rm(tmp, { force: true });
          return reply.code(400).send({ fout: 'het bestand is leeg' });
        }
        const sha256 = hash.digest('hex');
        const naam =
          typeof req.headers['x-bestandsnaam'] === 'string'
            ? req.headers['x-bestandsnaam'].slice(0, 200)
            : null;
        const l = await store.createLevering({
          gemeente: g.code,
          soort: 'volledig',
          bestandHash: sha256,
          bestandsnaam: naam,
          status: 'ontvangen',
        });
        await rename(tmp, file(l.id));
        enqueue(l.id, g.code, sha256, naam);
        return reply
          .code(202)
          .header('location', urls(l.id).statusUrl)
          .send({ levering: l.id, status: l.status, sha256, bytes, ...urls(l.id) });
      });
    });

    app.get('/verzamelbestand/:id', async (req, reply) => {
      const l = await own(req, reply);
      if (!l) return reply;
      return {
        levering: l.id,
        gemeente: l.gemeente,
        soort: l.soort,
        status: l.status,
        ontvangen: l.ontvangen,
        bijgewerkt: l.bijgewerkt,
        samenvatting: l.samenvatting ? (JSON.parse(l.samenvatting) as unknown) : null,
        ...urls(l.id),
      };
    });

    app.get('/verzamelbestand/:id/rapport', async (req, reply) => {
      const l = await own(req, reply);
      if (!l) return reply;
      if (!l.rapport)
        return reply.code(409).send({ fout: `de levering is nog niet verwerkt (status ${l.status})` });
      const r = JSON.parse(l.rapport) as Rapport;
      const q = req.query as { formaat?: string };
      if (q.formaat === 'tekst' || (q.formaat === undefined && /text\/plain/.test(req.headers.accept ?? '')))
        return reply.type('text/plain; charset=utf-8').send(rapportAlsTekst(r));
      return r;
    });
  };
}

/** Waits until a delivery has been processed (for callers that uploaded and want the outcome). */
export async function wachtOpVerwerking(store: Store, id: number, pollMs = 100): Promise<Levering> {
  for (;;) {
    const l = await store.getLevering(id);
    if (l && l.status !== 'ontvangen' && l.status !== 'verwerken') return l;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
