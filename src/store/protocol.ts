/**
 * The protocol's hash chain. Each entry's hash covers the previous entry's hash, its
 * sequence number, time, BSN key and content, so that removing, reordering or editing an
 * entry breaks the chain from that point on. The audit layer verifies with protocolHash.
 */
import { createHash } from 'node:crypto';

export { GENESIS_HASH } from './migrations.js';

export interface ProtocolHashInput {
  vorigeHash: string;
  volgnr: number;
  tijd: string;
  bsnSleutel: string | null;
  inhoud: string;
}

/** sha256hex(vorigeHash \n volgnr \n tijd \n (bsnSleutel ?? '') \n inhoud). */
export function protocolHash(e: ProtocolHashInput): string {
  return createHash('sha256')
    .update(`${e.vorigeHash}\n${e.volgnr}\n${e.tijd}\n${e.bsnSleutel ?? ''}\n${e.inhoud}`, 'utf8')
    .digest('hex');
}
