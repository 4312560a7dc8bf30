/**
 * The audit pass's grouping (sources/group.ts) on records built by hand: a resource repeated in a
 * partition is audited once, in its first place, as its last version; the item carries the
 * audited date it was kept for.
 */
import { describe, expect, it } from 'vitest';
import type { MedicationAdministration } from '@medplum/fhirtypes';
import type { AuditItem } from '../../src/audit/item.ts';
import { groupRecords } from '../../src/audit/sources/group.ts';
import type { PartitionRecords } from '../../src/audit/sources/partition-store.ts';

/** One partition file's records, in order, each from its own line of input 0. */
function records(lines: readonly unknown[], partition = 7): PartitionRecords {
  const texts = lines.map((l) => Buffer.from(JSON.stringify(l), 'utf8'));
  const bytes = Buffer.concat(texts);
  const n = texts.length;
  const start = new Uint32Array(n);
  const end = new Uint32Array(n);
  let at = 0;
  texts.forEach((t, i) => {
    start[i] = at;
    at += t.length;
    end[i] = at;
  });
  return {
    bytes,
    order: Uint32Array.from({ length: n }, (_, i) => i),
    start,
    end,
    partition: new Uint16Array(n).fill(partition),
    input: new Uint16Array(n),
    range: new Uint32Array(n),
    line: Uint32Array.from({ length: n }, (_, i) => i + 1),
    utf8: true,
  };
}

const encounter = {
  resourceType: 'Encounter',
  id: 'e1',
  status: 'finished',
  class: { code: 'AMB' },
  subject: { reference: 'Patient/p1' },
  period: { start: '2026-01-05T09:00:00Z' },
};

function admin(id: string, date: string, dose: number): MedicationAdministration {
  return {
    resourceType: 'MedicationAdministration',
    id,
    status: 'completed',
    subject: { reference: 'Patient/p1' },
    context: { reference: 'Encounter/e1' },
    effectiveDateTime: date,
    dosage: { dose: { value: dose, unit: 'mg' } },
  };
}

function group(lines: readonly unknown[], range = { since: '2026-01-01', until: '2026-01-31' }) {
  const items: AuditItem[] = [];
  const broken: string[] = [];
  groupRecords(records(lines), new Map(), range, {
    item: (i) => items.push(i),
    broken: (p) => broken.push(`${p.line}: ${p.reason}`),
    withoutEncounter: () => undefined,
  });
  return { items, broken };
}

describe('grouping the records of a partition', () => {
  it('audits a repeated resource once, as its last version, in the place of the first', () => {
    const { items, broken } = group([
      encounter,
      admin('a', '2026-01-05T09:30:00Z', 100),
      admin('b', '2026-01-06T09:30:00Z', 50),
      admin('a', '2026-01-05T09:30:00Z', 200),
    ]);
    expect(broken).toEqual([]);
    expect(items).toHaveLength(1);
    const administrations = items[0]?.input.administrations ?? [];
    expect(administrations.map((a) => [a?.id, a?.dosage?.dose?.value])).toEqual([
      ['a', 200],
      ['b', 50],
    ]);
  });

  it('keeps resources of different types with the same id apart', () => {
    const { items } = group([
      { ...encounter, id: 'x' },
      { ...admin('x', '2026-01-05T09:30:00Z', 100), context: { reference: 'Encounter/x' } },
    ]);
    expect(items).toHaveLength(1);
    expect(items[0]?.input.encounter.id).toBe('x');
    expect(items[0]?.input.administrations.map((a) => a?.id)).toEqual(['x']);
  });

  it('hands on the audited date: the first date of service inside the range', () => {
    const { items } = group(
      [encounter, admin('a', '2026-01-05T09:30:00Z', 100), admin('b', '2026-01-07T09:30:00Z', 50)],
      { since: '2026-01-06', until: '2026-01-31' },
    );
    expect(items[0]?.auditedDate).toBe('2026-01-07');
    expect(
      group([encounter, admin('a', '2026-01-05T09:30:00Z', 100)], {
        since: '2026-02-01',
        until: '2026-02-28',
      }).items,
    ).toEqual([]);
  });

  it('reports a record JSON.parse refuses by its line, and audits the rest', () => {
    const lines = [encounter, admin('a', '2026-01-05T09:30:00Z', 100)];
    const recs = records(lines);
    // Cut the last record short by one byte: no longer JSON.
    const cut: PartitionRecords = {
      ...recs,
      end: Uint32Array.from(recs.end, (e, i) => (i === 1 ? e - 1 : e)),
    };
    const items: AuditItem[] = [];
    const broken: string[] = [];
    groupRecords(
      cut,
      new Map(),
      { since: '2026-01-01', until: '2026-01-31' },
      {
        item: (i) => items.push(i),
        broken: (p) => broken.push(`${p.line}: ${p.reason}`),
        withoutEncounter: () => undefined,
      },
    );
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatch(/^2: not valid JSON/);
    expect(items).toEqual([]);
  });
});
