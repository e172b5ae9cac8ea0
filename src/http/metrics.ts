/**
 * Prometheus metrics of the hub. Labels name services, versions, gemeenten (by code) and
 * outcomes; never a BSN or a name. Each hub instance has its own registry, so that tests
 * can run several side by side.
 */
import client from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5];

export class HubMetrics {
  readonly registry = new client.Registry();
  readonly questions = new client.Counter({
    name: 'dkd_questions_total',
    help: 'Questions answered, by service, version and kind of answer',
    labelNames: ['service', 'versie', 'answer'] as const,
    registers: [this.registry],
  });
  readonly questionDuration = new client.Histogram({
    name: 'dkd_question_duration_seconds',
    help: 'Time from receiving a question to having its answer, by service',
    labelNames: ['service'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly gemeenteDuration = new client.Histogram({
    name: 'dkd_gemeente_duration_seconds',
    help: 'Time a gemeente (web service or delivered file) took, by gemeente, source and outcome',
    labelNames: ['gemeente', 'bron', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly gemeenteOutcomes = new client.Counter({
    name: 'dkd_gemeente_outcomes_total',
    help: 'Outcomes of asking a gemeente, by gemeente, source and outcome',
    labelNames: ['gemeente', 'bron', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly verwijsindexMismatch = new client.Counter({
    name: 'dkd_verwijsindex_mismatch_total',
    help: 'A gemeente answered NietsGevonden while the verwijsindex says it holds data',
    labelNames: ['gemeente'] as const,
    registers: [this.registry],
  });
  readonly circuitOpen = new client.Gauge({
    name: 'dkd_gemeente_circuit_open',
    help: '1 while the circuit breaker of a gemeente is open (it is skipped)',
    labelNames: ['gemeente'] as const,
    registers: [this.registry],
  });
  readonly aanmeldingen = new client.Counter({
    name: 'dkd_verwijsindex_registrations_total',
    help: 'IBVerwijsindex registrations and withdrawals, by gemeente and effect',
    labelNames: ['gemeente', 'effect'] as const,
    registers: [this.registry],
  });
  readonly refusals = new client.Counter({
    name: 'dkd_refusals_total',
    help: 'Requests refused before they were answered, by service and FWI code',
    labelNames: ['service', 'code'] as const,
    registers: [this.registry],
  });

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'dkd_process_' });
  }
}
