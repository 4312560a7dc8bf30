/**
 * The encounter view's reads: the service's own one-batch read of the Encounter's context, its
 * patient, and what the service would derive from it now (a dry run that writes nothing); and
 * the Practitioners the worklist's forms offer.
 */
import type { Patient, Resource } from '@medplum/fhirtypes';
import type { FhirGateway } from '../../fhir/gateway.ts';
import { readEncounterContext } from '../../fhir/read-context.ts';
import { localRef } from '../../domain/fhir-values.ts';
import type { Service } from '../../evaluate/service.ts';
import type { EncounterViewInput } from '../views/encounter.ts';
import { isNotFound } from './actions.ts';
import { searchFound } from './paged.ts';

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

/** The first 200 Practitioners, for the forms' name lists (people may also type a name). */
export async function readPractitioners(gateway: FhirGateway): Promise<Resource[]> {
  return (await searchFound(gateway, 'Practitioner?_count=200', 1)).resources;
}
