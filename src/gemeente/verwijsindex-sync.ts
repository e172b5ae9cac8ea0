/**
 * Keeps the hub's verwijsindex in step with a gemeente's data through IBVerwijsindex: a BSN
 * is registered per cluster it has data for (IndDkd 1), and withdrawn (IndDkd 2) for a
 * cluster it no longer has or when it left the data altogether. Only differences are
 * sent; a call that fails is tried again on the next round, so a hub that is down at the
 * gemeente's start is caught up with later.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Dispatcher } from 'undici';
import { clustersVan, type Dossier } from '../domain/model.js';
import { callSoap } from '../routing/soap-client.js';
import { ibVerwijsindexV0300 as vi } from '../suwiml/services/index.js';

export interface SyncOptions {
  /** Base URL of the hub. */
  hubUrl: string;
  /** The gemeente's code (the Bron's CdPartijSuwi) and the address with `?oin=` it calls from. */
  code: string;
  from: string;
  /** Calls at once. */
  concurrency?: number;
  timeoutMs?: number;
  /** After a round with failures, the next round starts this much later. */
  retryMs?: number;
  /** Progress for operators; never carries a BSN. */
  log?: (line: string, counts: SyncResult) => void;
  dispatcher?: Dispatcher;
  sign?: (envelope: string) => string;
  /** Checks the hub's signed answer; a reason to refuse it, or undefined (see ChainSecurity.client). */
  verify?: (raw: string) => string | undefined;
  /**
   * Where what the hub holds is remembered between runs, so that a client who left while
   * the gemeente's service was stopped is withdrawn at the next start.
   */
  stateFile?: string;
}

export interface SyncResult {
  aangemeld: number;
  afgemeld: number;
  mislukt: number;
  /** The hub refused (NietGerechtigd): this gemeente is not registered there with this OIN. */
  geweigerd: number;
}

/** The clusters (CdClusteringIb) per BSN of a data set. */
export function clustersPerBsn(dossiers: Iterable<Dossier>): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const d of dossiers) m.set(d.client.burgerservicenr, new Set(clustersVan(d)));
  return m;
}

export class VerwijsindexSync {
  /** What the hub holds for this gemeente, as far as this process knows. */
  private readonly registered = new Map<string, Set<string>>();
  private target = new Map<string, Set<string>>();
  private round: Promise<SyncResult> | undefined;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: SyncOptions) {
    if (o.stateFile) {
      let saved: { hub?: string; registered?: Record<string, string[]> } = {};
      try {
        saved = JSON.parse(readFileSync(o.stateFile, 'utf8')) as typeof saved;
      } catch {
        // No state yet (first start) or an unreadable one: everything is registered afresh.
      }
      // What another hub holds says nothing about this one.
      if (saved.hub !== o.hubUrl) saved = {};
      for (const [bsn, clusters] of Object.entries(saved.registered ?? {}))
        if (Array.isArray(clusters) && clusters.length)
          this.registered.set(bsn, new Set(clusters.map(String)));
    }
  }

  private save(): void {
    if (!this.o.stateFile) return;
    const tmp = `${this.o.stateFile}.tmp`;
    const registered = Object.fromEntries([...this.registered].map(([b, c]) => [b, [...c].sort()]));
    writeFileSync(tmp, JSON.stringify({ hub: this.o.hubUrl, registered }));
    renameSync(tmp, this.o.stateFile);
  }

  /** Sets what the hub should hold and brings it there; resolves with the round's counts. */
  update(target: Map<string, Set<string>>): Promise<SyncResult> {
    this.target = target;
    if (this.round) {
      this.again = true;
      return this.round;
    }
    this.round = this.run().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  /** True when the hub holds what the data says. */
  get inSync(): boolean {
    return this.pending().length === 0;
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
  }

  private pending(): { bsn: string; clusters: { code: string; ja: boolean }[] }[] {
    const out: { bsn: string; clusters: { code: string; ja: boolean }[] }[] = [];
    for (const bsn of new Set([...this.target.keys(), ...this.registered.keys()])) {
      const want = this.target.get(bsn) ?? new Set<string>();
      const have = this.registered.get(bsn) ?? new Set<string>();
      const clusters = [...new Set([...want, ...have])]
        .sort()
        .filter((c) => want.has(c) !== have.has(c))
        .map((code) => ({ code, ja: want.has(code) }));
      if (clusters.length) out.push({ bsn, clusters });
    }
    return out;
  }

  private async run(): Promise<SyncResult> {
    const total: SyncResult = { aangemeld: 0, afgemeld: 0, mislukt: 0, geweigerd: 0 };
    do {
      this.again = false;
      const work = this.pending();
      let next = 0;
      const worker = async () => {
        while (next < work.length && !this.stopped) {
          const item = work[next++]!;
          const r = await this.send(item.bsn, item.clusters);
          if (r === 'ok') {
            const have = this.registered.get(item.bsn) ?? new Set<string>();
            for (const c of item.clusters) {
              if (c.ja) have.add(c.code);
              else have.delete(c.code);
              if (c.ja) total.aangemeld++;
              else total.afgemeld++;
            }
            if (have.size) this.registered.set(item.bsn, have);
            else this.registered.delete(item.bsn);
          } else if (r === 'geweigerd') total.geweigerd++;
          else total.mislukt++;
        }
      };
      await Promise.all(Array.from({ length: this.o.concurrency ?? 8 }, worker));
    } while (this.again && !this.stopped);
    this.save();
    this.o.log?.(
      `verwijsindex: ${total.aangemeld} aangemeld, ${total.afgemeld} ingetrokken, ${total.mislukt} mislukt, ${total.geweigerd} geweigerd`,
      total,
    );
    if ((total.mislukt || total.geweigerd) && !this.stopped) {
      if (this.retry) clearTimeout(this.retry);
      this.retry = setTimeout(() => void this.update(this.target), this.o.retryMs ?? 5000);
      this.retry.unref();
    }
    return total;
  }

  private async send(
    bsn: string,
    clusters: { code: string; ja: boolean }[],
  ): Promise<'ok' | 'geweigerd' | 'mislukt'> {
    const r = await callSoap({
      url: `${this.o.hubUrl.replace(/\/+$/, '')}/${vi.path}`,
      action: vi.actions.request,
      body: vi.encodeRequest({
        burgerservicenr: bsn as never,
        clusteringIb: clusters.map((c) => ({
          cdClusteringIb: c.code as never,
          indDkd: (c.ja ? '1' : '2') as never,
        })),
        bron: { cdKolomSuwi: 4, cdPartijSuwi: this.o.code as never },
      }),
      from: this.o.from,
      timeoutMs: this.o.timeoutMs ?? 10_000,
      ...(this.o.dispatcher && { dispatcher: this.o.dispatcher }),
      ...(this.o.sign && { sign: this.o.sign }),
      ...(this.o.verify && { verify: this.o.verify }),
    });
    if (!r.ok) return 'mislukt';
    if (r.env.payload.local === 'NietGerechtigd') return 'geweigerd';
    const a = vi.decodeAntwoord(r.env.payload);
    return a.ok && a.value.acknowledgement ? 'ok' : 'mislukt';
  }
}
