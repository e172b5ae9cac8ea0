/** Starting a hub and simulated gemeenten on real ports for end-to-end tests. */
import type { FastifyInstance } from 'fastify';
import { buildHub, type HubOptions } from '../../src/http/hub.js';
import { buildGemeenteService, inMemorySource, type Storing } from '../../src/gemeente/service.js';
import type { Dossier } from '../../src/domain/model.js';
import { callSoap } from '../../src/routing/soap-client.js';
import { dataService, ibVerwijsindexV0300, type DataAntwoord } from '../../src/suwiml/services/index.js';
import type { DataDienst } from '../../src/store/types.js';

export const OIN = {
  hub: '00000001000000000001',
  uwv: '00000001000000000002',
  svb: '00000001000000000003',
  onbekend: '00000001000000000099',
  gemeente: (code: string) => `000000010000000${code}0`,
};

export interface Running {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance): Promise<Running> {
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, close: () => app.close() };
}

export async function startHub(o: Partial<HubOptions> & Pick<HubOptions, 'store'>): Promise<Running> {
  const app = await buildHub({ hubOin: OIN.hub, insecureDev: true, ...o });
  return listen(app);
}

export async function startGemeente(
  code: string,
  dossiers: Dossier[],
  storing: Storing = {},
): Promise<Running> {
  const app = await buildGemeenteService({
    code,
    oin: OIN.gemeente(code),
    data: inMemorySource(dossiers),
    storing,
  });
  return listen(app);
}

/** Asks a hub as a chain partner; returns the decoded answer (or the failure). */
export async function ask(
  hubUrl: string,
  dienst: DataDienst,
  bsn: string,
  oin = OIN.uwv,
  timeoutMs = 10_000,
) {
  const svc = dataService(dienst)!;
  const t0 = performance.now();
  const r = await callSoap({
    url: `${hubUrl}/${svc.path}`,
    action: svc.actions.request,
    body: svc.encodeRequest(bsn as never),
    from: `https://afnemer.example/dkd?oin=${oin}`,
    timeoutMs,
  });
  const ms = performance.now() - t0;
  if (!r.ok) return { ok: false as const, r, ms };
  const a = svc.decodeAntwoord(r.env.payload);
  if (!a.ok) throw new Error(`hub answer does not decode: ${JSON.stringify(a.findings)}`);
  return { ok: true as const, antwoord: a.value as DataAntwoord, ms, r };
}

export async function registreer(
  hubUrl: string,
  gemeente: string,
  bsn: string,
  cluster = '01',
  indDkd = '1',
  oin = OIN.gemeente(gemeente),
) {
  const svc = ibVerwijsindexV0300;
  const r = await callSoap({
    url: `${hubUrl}/${svc.path}`,
    action: svc.actions.request,
    body: svc.encodeRequest({
      burgerservicenr: bsn as never,
      clusteringIb: [{ cdClusteringIb: cluster as never, indDkd: indDkd as never }],
      bron: { cdKolomSuwi: 4, cdPartijSuwi: gemeente as never },
    }),
    from: `https://gemeente.example/dkd?oin=${oin}`,
    timeoutMs: 5000,
  });
  if (!r.ok) return { ok: false as const, r };
  const el = r.env.payload;
  return { ok: true as const, local: el.local, decoded: svc.decodeAntwoord(el) };
}

/** Every CdPartijSuwi in an answer's dossier. */
export function partijen(a: DataAntwoord): string[] {
  if (a.soort !== 'gegevens') return [];
  const out = new Set<string>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'cdPartijSuwi' && typeof x === 'string') out.add(x);
        else visit(x);
      }
  };
  visit(a.dossier);
  return [...out].sort();
}
