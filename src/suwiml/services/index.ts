/**
 * Every Suwi-ML service version the hub speaks. A new version is a new codec file added
 * here; translation between versions goes through the domain model.
 */
import type { DataDienst } from '../../store/types.js';
import { bijstandsregelingenV0500 } from './bijstandsregelingen-v0500.js';
import type { DataService } from './data-service.js';
import { gsdDossierReintegratieV0200 } from './gsddossierreintegratie-v0200.js';
import { ibVerwijsindexV0300, type VerwijsindexService } from './ibverwijsindex-v0300.js';

export type AnyService = DataService | VerwijsindexService;

export const DATA_SERVICES: readonly DataService[] = [bijstandsregelingenV0500, gsdDossierReintegratieV0200];
export const VERWIJSINDEX_SERVICES: readonly VerwijsindexService[] = [ibVerwijsindexV0300];
export const SERVICES: readonly AnyService[] = [...DATA_SERVICES, ...VERWIJSINDEX_SERVICES];

/** The service version served at `/<path>`, e.g. `Bijstandsregelingen-v0500`. */
export function serviceByPath(path: string): AnyService | undefined {
  return SERVICES.find((s) => s.path === path);
}

export function dataService(dienst: DataDienst, versie?: string): DataService | undefined {
  const all = DATA_SERVICES.filter((s) => s.dienst === dienst);
  return versie === undefined ? newest(all) : all.find((s) => s.versie === versie);
}

/** The newest version among services of one kind (versions are vNNNN). */
export function newest<S extends { versie: string }>(all: readonly S[]): S | undefined {
  return [...all].sort((a, b) => b.versie.localeCompare(a.versie))[0];
}

export { bijstandsregelingenV0500, gsdDossierReintegratieV0200, ibVerwijsindexV0300 };
export type { DataAntwoord, DataService } from './data-service.js';
export type { VerwijsindexAntwoord, VerwijsindexService, VerwijsindexVraag } from './ibverwijsindex-v0300.js';
