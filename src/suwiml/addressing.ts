/**
 * WS-Addressing headers as the Suwi-ML Transactiestandaard uses them: a request carries
 * MessageID, Action, From (the asking application's address plus `?oin=` its OIN) and To;
 * an answer carries its own MessageID, Action, From, To (the request's From) and RelatesTo
 * (the request's MessageID).
 */
import { randomUUID } from 'node:crypto';
import { NS } from './ns.js';
import { escapeText, type XElement } from './xml/tree.js';
import type { Finding } from './xml/codec.js';

export interface Addressing {
  messageId?: string;
  action?: string;
  to?: string;
  /** The Address inside wsa:From. */
  from?: string;
  replyTo?: string;
  relatesTo?: string;
}

export function newMessageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

/** The OIN in an address's `oin` query parameter (20 digits), if any. */
export function oinFromUri(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  const m = /[?&]oin=([0-9]{20})(?:&|#|$)/.exec(uri);
  return m?.[1];
}

/** Reads the addressing headers; unknown header blocks are left to the caller. */
export function readAddressing(headers: readonly XElement[]): { value: Addressing; findings: Finding[] } {
  const value: Addressing = {};
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const h of headers) {
    if (h.uri !== NS.wsa) continue;
    const p = `/Header/${h.local}`;
    if (seen.has(h.local)) {
      findings.push({
        path: p,
        rule: 'wsa-dubbel',
        message: `wsa:${h.local} komt meer dan eens voor`,
        line: h.line,
      });
      continue;
    }
    seen.add(h.local);
    const text = h.text.trim();
    switch (h.local) {
      case 'MessageID':
        value.messageId = text;
        break;
      case 'Action':
        value.action = text;
        break;
      case 'To':
        value.to = text;
        break;
      case 'RelatesTo':
        value.relatesTo = text;
        break;
      case 'From':
      case 'ReplyTo': {
        const addr = h.children.find((k) => k.uri === NS.wsa && k.local === 'Address');
        if (!addr) {
          findings.push({
            path: p,
            rule: 'wsa-address',
            message: `wsa:${h.local} heeft geen wsa:Address`,
            line: h.line,
          });
          break;
        }
        if (h.local === 'From') value.from = addr.text.trim();
        else value.replyTo = addr.text.trim();
        break;
      }
      default:
        break;
    }
  }
  return { value, findings };
}

/** What a request must carry; returns findings for what is missing. */
export function checkRequestAddressing(a: Addressing): Finding[] {
  const f: Finding[] = [];
  if (!a.messageId)
    f.push({ path: '/Header/MessageID', rule: 'wsa-ontbreekt', message: 'wsa:MessageID ontbreekt' });
  if (!a.action) f.push({ path: '/Header/Action', rule: 'wsa-ontbreekt', message: 'wsa:Action ontbreekt' });
  if (!a.from) f.push({ path: '/Header/From', rule: 'wsa-ontbreekt', message: 'wsa:From ontbreekt' });
  return f;
}

/**
 * Writes the addressing header blocks. Each gets a wsu:Id (`<idPrefix>-action`, ...) so that
 * a WS-Security signature can refer to it; the wsa and wsu prefixes must be declared by the
 * envelope (soap.buildEnvelope does).
 */
export function writeAddressing(a: Addressing, idPrefix = 'wsa'): string {
  const id = (n: string) => ` wsu:Id="${idPrefix}-${n}"`;
  const out: string[] = [];
  if (a.action) out.push(`<wsa:Action${id('action')}>${escapeText(a.action)}</wsa:Action>`);
  if (a.messageId) out.push(`<wsa:MessageID${id('messageid')}>${escapeText(a.messageId)}</wsa:MessageID>`);
  if (a.from) out.push(`<wsa:From${id('from')}><wsa:Address>${escapeText(a.from)}</wsa:Address></wsa:From>`);
  if (a.replyTo)
    out.push(
      `<wsa:ReplyTo${id('replyto')}><wsa:Address>${escapeText(a.replyTo)}</wsa:Address></wsa:ReplyTo>`,
    );
  if (a.to) out.push(`<wsa:To${id('to')}>${escapeText(a.to)}</wsa:To>`);
  if (a.relatesTo) out.push(`<wsa:RelatesTo${id('relatesto')}>${escapeText(a.relatesTo)}</wsa:RelatesTo>`);
  return out.join('');
}

/** An address with the `oin` query parameter set. */
export function withOin(address: string, oin: string): string {
  const u = address.replace(/([?&])oin=[^&#]*(&?)/, (_m, p: string, amp: string) => (amp ? p : ''));
  const clean = u.replace(/[?&]$/, '');
  return `${clean}${clean.includes('?') ? '&' : '?'}oin=${encodeURIComponent(oin)}`;
}
