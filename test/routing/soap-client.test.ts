/**
 * The hub's Suwi-ML client keeps a gemeente's deadline exactly: a gemeente that answers
 * within it is heard, whatever clock the HTTP library uses for its own timeouts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { callSoap } from '../../src/routing/soap-client.js';
import { bijstandsregelingenV0500 as svc } from '../../src/suwiml/services/index.js';
import { buildEnvelope } from '../../src/suwiml/soap.js';
import { writeAddressing } from '../../src/suwiml/addressing.js';

let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  app = Fastify();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_r, b, done) => done(null, b));
  app.post('/slow', async (req, reply) => {
    const id = /MessageID[^>]*>([^<]+)</.exec(String(req.body))?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 700));
    return reply.header('content-type', 'text/xml').send(
      buildEnvelope({
        version: '1.1',
        headers: writeAddressing({ action: svc.actions.response, messageId: 'urn:uuid:a', relatesTo: id }),
        body: svc.encodeAntwoord({ soort: 'nietsGevonden' }),
      }),
    );
  });
  url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/slow`;
});
afterAll(() => app.close());

describe('callSoap', () => {
  it('hears an answer that comes within the deadline, for questions started at any moment', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 10));
        return callSoap({
          url,
          action: svc.actions.request,
          body: svc.encodeRequest('123456782' as never),
          from: 'https://hub.example/?oin=00000001000000000001',
          timeoutMs: 950,
        });
      }),
    );
    expect(results.map((r) => (r.ok ? 'ok' : r.kind))).toEqual(Array(40).fill('ok'));
  });

  it('gives up at the deadline on a gemeente that does not answer', async () => {
    const r = await callSoap({
      url,
      action: svc.actions.request,
      body: svc.encodeRequest('123456782' as never),
      from: 'https://hub.example/?oin=00000001000000000001',
      timeoutMs: 100,
    });
    expect(r.ok ? 'ok' : r.kind).toBe('timeout');
  });
});
