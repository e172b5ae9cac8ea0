/**
 * Replay protection: a signed message may be accepted once. A guard remembers each
 * message's id until the moment the message would be refused as stale anyway
 * (VerifiedSignature.replayUntil), so its memory is bounded by the traffic of one
 * freshness window.
 *
 * The in-memory guard serves one process; the store-backed guard is shared by every hub
 * process on one database, so a replay sent to another process behind the load balancer is
 * refused too.
 */
import { createHash } from 'node:crypto';
import type { VerifiedSignature, VerifyRefusal } from './wssecurity.js';

export interface ReplayGuard {
  /** True the first time `messageId` is seen (and remembers it until `expiresAt`); false for a replay. */
  check(messageId: string, expiresAt: Date): Promise<boolean>;
}

export interface MemoryReplayGuardOptions {
  /** Most ids remembered (default 100 000); when full, expired ids go first, then the oldest. */
  maxEntries?: number;
  /** How often expired ids are swept, in ms (default 10 000). */
  sweepIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export class MemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly sweepIntervalMs: number;
  private readonly now: () => number;
  private nextSweep = 0;
  /** Ids forgotten before their time because the guard was full (a metric worth watching). */
  evictedEarly = 0;

  constructor(options: MemoryReplayGuardOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 100_000);
    this.sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.seen.size;
  }

  check(messageId: string, expiresAt: Date): Promise<boolean> {
    const now = this.now();
    const until = this.seen.get(messageId);
    if (until !== undefined && until > now) return Promise.resolve(false);
    if (until !== undefined) this.seen.delete(messageId);
    if (now >= this.nextSweep || this.seen.size >= this.maxEntries) this.sweep(now);
    // Full of ids that are all still fresh: forget the oldest. Refusing new messages instead
    // would let one busy sender stop everybody.
    while (this.seen.size >= this.maxEntries) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
      this.evictedEarly++;
    }
    this.seen.set(messageId, expiresAt.getTime());
    return Promise.resolve(true);
  }

  private sweep(now: number): void {
    for (const [id, until] of this.seen) if (until <= now) this.seen.delete(id);
    this.nextSweep = now + this.sweepIntervalMs;
  }
}

/** What the store-backed guard needs of the store (src/store Store). */
export interface ReplayStore {
  berichtOntvangen(sleutel: string, tot: string, nu: string): Promise<boolean>;
  vergeetBerichten(nu: string): Promise<number>;
}

/**
 * A guard in the store: every process on the same database sees the same ids. Keys are
 * stored as SHA-256 hashes (fixed length, whatever the sender put in its MessageID).
 */
export class StoreReplayGuard implements ReplayGuard {
  private nextSweep = 0;
  constructor(
    private readonly store: ReplayStore,
    private readonly options: { sweepIntervalMs?: number; now?: () => number } = {},
  ) {}

  async check(messageId: string, expiresAt: Date): Promise<boolean> {
    const now = (this.options.now ?? Date.now)();
    const nu = new Date(now).toISOString();
    if (now >= this.nextSweep) {
      this.nextSweep = now + (this.options.sweepIntervalMs ?? 60_000);
      await this.store.vergeetBerichten(nu);
    }
    const sleutel = createHash('sha256').update(messageId, 'utf8').digest('hex');
    return this.store.berichtOntvangen(sleutel, expiresAt.toISOString(), nu);
  }
}

/**
 * Refuses a verified message that has no wsa:MessageID or was seen before. The id is
 * remembered per signing certificate, so one sender cannot block another's message ids.
 */
export async function checkReplay(
  verified: VerifiedSignature,
  guard: ReplayGuard,
): Promise<VerifyRefusal | undefined> {
  if (!verified.messageId)
    return {
      ok: false,
      rule: 'messageid-ontbreekt',
      message: 'wsa:MessageID ontbreekt; zonder kan een herhaald bericht niet worden herkend',
    };
  const first = await guard.check(
    `${verified.certificate.fingerprint256} ${verified.messageId}`,
    verified.replayUntil,
  );
  return first
    ? undefined
    : { ok: false, rule: 'bericht-herhaald', message: 'dit bericht (wsa:MessageID) is al eerder ontvangen' };
}
