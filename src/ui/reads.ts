/**
 * What the web UI reads and writes on the FHIR server, through the service's gateway: the open
 * gaps with what they implicate, one Encounter's context, the vialwise Claims and DetectedIssues
 * for the dashboard, the Practitioners for the acknowledge form, and the acknowledgement itself
 * (an update with `If-Match`). The browser never talks to the FHIR server.
 */
import { getStatus, OperationOutcomeError } from '@medplum/core';
import type { DetectedIssue, Patient, Practitioner, Resource } from '@medplum/fhirtypes';
import { isPreconditionFailed, searchAll as searchGateway, type FhirGateway } from '../fhir/gateway.ts';
import { readEncounterContext } from '../fhir/read-context.ts';
import type { Service } from '../service.ts';
import {
  AcknowledgeError,
  acknowledgeIssue,
  personName,
  type AcknowledgeRequest,
  type EncounterViewInput,
} from './data.ts';
import { localRef } from '../domain/fhir-values.ts';
import { CLAIM_DRAFT_SID, GAP_SID } from '../domain/vocabulary.ts';

export interface SearchResult {
  readonly resources: Resource[];
  /** True when the server had more pages than the UI reads at once. */
  readonly truncated: boolean;
}

const PAGE = 1000;
/** At most this many pages per search: the UI's screens are for people, not bulk export. */
const MAX_PAGES = 10;

function isNotFound(err: unknown): boolean {
  return err instanceof OperationOutcomeError && getStatus(err.outcome) === 404;
}

/** A search with every page (up to MAX_PAGES), matches and includes together. */
export async function searchAll(
  gateway: FhirGateway,
  query: string,
  maxPages = MAX_PAGES,
): Promise<SearchResult> {
  const found = await searchGateway(gateway, query, { maxPages });
  return { resources: [...found.matches, ...found.included], truncated: found.truncated };
}

const enc = encodeURIComponent;

/** Open vialwise gaps with their administrations (and Medications), Claims, Encounters, Patients. */
export function readOpenGaps(gateway: FhirGateway): Promise<SearchResult> {
  return searchAll(
    gateway,
    `DetectedIssue?status=preliminary&identifier=${enc(`${GAP_SID}|`)}` +
      '&_include=DetectedIssue:implicated&_include=DetectedIssue:patient' +
      `&_include:iterate=MedicationAdministration:medication&_count=${PAGE}`,
  );
}

/** Every vialwise Claim, and every vialwise DetectedIssue with what it implicates. */
export async function readDashboardResources(gateway: FhirGateway): Promise<SearchResult> {
  const [claims, issues] = await Promise.all([
    searchAll(gateway, `Claim?identifier=${enc(`${CLAIM_DRAFT_SID}|`)}&_count=${PAGE}`),
    searchAll(
      gateway,
      `DetectedIssue?identifier=${enc(`${GAP_SID}|`)}&_include=DetectedIssue:implicated&_count=${PAGE}`,
    ),
  ]);
  return {
    resources: [...claims.resources, ...issues.resources],
    truncated: claims.truncated || issues.truncated,
  };
}

export async function readPractitioners(gateway: FhirGateway): Promise<Resource[]> {
  return (await searchAll(gateway, 'Practitioner?_count=200', 1)).resources;
}

/**
 * One Encounter's documentation (the service's own one-batch read), its patient, and what the
 * service would derive from it now: a dry run that writes nothing.
 */
export async function readEncounterView(
  gateway: FhirGateway,
  service: Service,
  encounterId: string,
): Promise<EncounterViewInput> {
  const ctx = await readEncounterContext(gateway, encounterId);
  const { input } = ctx;
  const patientRef = localRef(input.encounter.subject);
  const patient = patientRef?.startsWith('Patient/')
    ? await gateway.read<Patient>('Patient', patientRef.slice('Patient/'.length)).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      })
    : undefined;
  const documentation: Resource[] = [
    input.encounter,
    ...input.administrations,
    ...input.medications,
    ...input.conditions,
    ...input.coverages,
    ...input.priorAuthorizations,
    ...input.bodyWeights,
    ...input.chargeItems,
    ...input.claims,
  ];
  const dry = service.dryRun({
    resourceType: 'Bundle',
    type: 'collection',
    entry: documentation.map((resource) => ({ resource })),
  });
  return {
    encounter: input.encounter,
    ...(patient ? { patient } : {}),
    administrations: input.administrations,
    medications: input.medications,
    conditions: input.conditions,
    chargeItems: input.chargeItems,
    claims: ctx.existing.claims,
    issues: ctx.existing.issues,
    ...(dry ? { evaluation: dry.evaluation } : {}),
  };
}

export class GapClosedError extends Error {
  readonly code = 'gap-closed';
}

export class StaleVersionError extends Error {
  readonly code = 'stale-version';
}

export class NotAGapError extends Error {
  readonly code = 'not-a-gap';
}

/**
 * Appends the clinician's acknowledgement to an open gap, as an update with `If-Match` on the
 * version the clinician saw: if the service or someone else wrote the issue since, nothing is
 * written and the clinician reloads.
 */
export async function acknowledgeGap(
  gateway: FhirGateway,
  id: string,
  req: AcknowledgeRequest,
  now: string,
): Promise<DetectedIssue> {
  const issue = await gateway.read<DetectedIssue>('DetectedIssue', id);
  if (!(issue.identifier ?? []).some((i) => i.system === GAP_SID))
    throw new NotAGapError('not a vialwise documentation gap');
  if (issue.status !== 'preliminary') throw new GapClosedError('the gap is no longer open');
  if (issue.meta?.versionId !== req.version)
    throw new StaleVersionError('the gap changed since it was loaded');
  let author = req.author;
  if (author.reference) {
    const practitioner = await gateway
      .read<Practitioner>('Practitioner', author.reference.slice('Practitioner/'.length))
      .catch((err: unknown) => {
        if (isNotFound(err))
          throw new AcknowledgeError(`${author.reference ?? ''} is not on the FHIR server`);
        throw err;
      });
    const display = author.display ?? personName(practitioner.name);
    author = { reference: author.reference, ...(display ? { display } : {}) };
  }
  const next = acknowledgeIssue(issue, { ...req, author }, now);
  try {
    return await gateway.update(next, { ifMatch: req.version });
  } catch (err) {
    if (isPreconditionFailed(err)) throw new StaleVersionError('the gap changed since it was loaded');
    throw err;
  }
}
