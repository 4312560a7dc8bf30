/** What people do to gaps (pure): the request bodies, the acknowledgement mitigation, the assignment Task. */
import type { CodeSystem, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { formatIssues, loadProfiles, validateAgainstProfile } from '../support/profiles/index.ts';
import { QUEUES } from '../../src/ui/queues.ts';
import {
  acknowledgeIssue,
  assignedGap,
  assignmentOf,
  assignmentTask,
  isPractitionerRef,
  MAX_ITEMS,
  parseAcknowledgeRequest,
  parseAssignRequest,
  parseBulkAcknowledgeRequest,
  practitionerOptions,
} from '../../src/ui/views/actions.ts';
import { chunkValues, inPool } from '../../src/ui/reads/paged.ts';
import { issue, MITIGATION, patient } from './builders.ts';

describe('acknowledging a gap', () => {
  it('accepts a Practitioner reference or a name, with a note and the version seen', () => {
    expect(
      parseAcknowledgeRequest({
        version: 'v1',
        author: { reference: 'Practitioner/rn-1', display: 'Nurse A' },
        note: ' Will chart it ',
      }),
    ).toEqual({
      version: 'v1',
      author: { reference: 'Practitioner/rn-1', display: 'Nurse A' },
      note: 'Will chart it',
    });
    expect(
      parseAcknowledgeRequest({ version: 'v1', author: { display: 'Dr B' }, note: 'ok' }).author,
    ).toEqual({ display: 'Dr B' });
  });

  it('rejects what cannot be recorded, ids made of dots included', () => {
    const bad: unknown[] = [
      null,
      [],
      { author: { display: 'A' }, note: 'n' },
      { version: 'v"1', author: { display: 'A' }, note: 'n' },
      { version: 'v1', author: { display: 'A' }, note: '   ' },
      { version: 'v1', author: {}, note: 'n' },
      { version: 'v1', author: { reference: 'Patient/p1' }, note: 'n' },
      { version: 'v1', author: { reference: 'Device/vialwise' }, note: 'n' },
      { version: 'v1', author: { reference: 'Practitioner/.' }, note: 'n' },
      { version: 'v1', author: { reference: 'Practitioner/..' }, note: 'n' },
      { version: 'v1', author: { reference: 'Practitioner/' }, note: 'n' },
      { version: 'v1', author: { display: 'A' }, note: 'x'.repeat(2001) },
      { version: 'v1', author: { display: 'A'.repeat(201) }, note: 'n' },
    ];
    for (const body of bad)
      expect(() => parseAcknowledgeRequest(body), JSON.stringify(body)?.slice(0, 80)).toThrow();
    expect(isPractitionerRef('Practitioner/a.b')).toBe(true);
    expect(isPractitionerRef('Practitioner/...')).toBe(false);
  });

  it('takes several gaps with their versions, one author and one note', () => {
    expect(
      parseBulkAcknowledgeRequest({
        items: [
          { id: 'a', version: '1' },
          { id: 'b', version: '7' },
        ],
        author: { display: 'Nurse A' },
        note: 'Charting today',
      }),
    ).toEqual({
      items: [
        { id: 'a', version: '1' },
        { id: 'b', version: '7' },
      ],
      author: { display: 'Nurse A' },
      note: 'Charting today',
    });
    const ok = { author: { display: 'A' }, note: 'n' };
    const bad: unknown[] = [
      { ...ok, items: [] },
      { ...ok, items: 'a' },
      { ...ok, items: [{ id: 'a' }] },
      { ...ok, items: [{ id: '..', version: '1' }] },
      {
        ...ok,
        items: [
          { id: 'a', version: '1' },
          { id: 'a', version: '1' },
        ],
      },
      { ...ok, items: Array.from({ length: MAX_ITEMS + 1 }, (_, i) => ({ id: `g${i}`, version: '1' })) },
      { items: [{ id: 'a', version: '1' }], note: 'n' },
    ];
    for (const body of bad)
      expect(() => parseBulkAcknowledgeRequest(body), JSON.stringify(body)?.slice(0, 80)).toThrow();
  });

  it('appends a mitigation (acknowledged, date, author, the note as action text) and keeps everything else', () => {
    const before = issue('di-1', 'missing-diagnosis', {
      risk: 2.75,
      mitigation: [
        {
          action: { coding: [{ system: MITIGATION, code: 'acknowledged' }], text: 'first' },
          date: '2026-11-27T05:30:00Z',
          author: { display: 'Nurse' },
        },
      ],
    });
    const copy = structuredClone(before);
    const after = acknowledgeIssue(
      before,
      {
        version: 'v-di-1',
        author: { reference: 'Practitioner/md-1', display: 'Dr C' },
        note: 'Linked J45.41',
      },
      '2026-11-27T06:00:00.000Z',
    );
    expect(before).toEqual(copy);
    expect(after.mitigation).toHaveLength(2);
    expect(after.mitigation?.[1]).toEqual({
      action: {
        coding: [{ system: MITIGATION, code: 'acknowledged', display: 'Acknowledged by a clinician' }],
        text: 'Linked J45.41',
      },
      date: '2026-11-27T06:00:00.000Z',
      author: { reference: 'Practitioner/md-1', display: 'Dr C' },
    });
    expect({ ...after, mitigation: undefined }).toEqual({ ...before, mitigation: undefined });
    expect(after.status).toBe('preliminary');
  });

  it('lists active Practitioners by name for the forms', () => {
    expect(
      practitionerOptions([
        {
          resourceType: 'Practitioner',
          id: 'b',
          name: [{ given: ['Demo'], family: 'Nurse-Alpha', suffix: ['RN'] }],
        },
        { resourceType: 'Practitioner', id: 'a', name: [{ text: 'Alpha MD' }] },
        { resourceType: 'Practitioner', id: 'gone', active: false, name: [{ text: 'Retired' }] },
        patient('p', 'Not a practitioner'),
      ]),
    ).toEqual([
      { reference: 'Practitioner/a', display: 'Alpha MD' },
      { reference: 'Practitioner/b', display: 'Demo Nurse-Alpha RN' },
    ]);
  });
});

describe('assigning gaps', () => {
  it('takes gaps with the assignment each had, and an owner or null', () => {
    expect(
      parseAssignRequest({
        items: [{ id: 'a' }, { id: 'b', assignment: { id: 't-b', version: '3' } }],
        owner: { reference: 'Practitioner/rn-1' },
      }),
    ).toEqual({
      items: [{ id: 'a' }, { id: 'b', assignment: { id: 't-b', version: '3' } }],
      owner: { reference: 'Practitioner/rn-1' },
    });
    expect(parseAssignRequest({ items: [{ id: 'a', assignment: null }], owner: null })).toEqual({
      items: [{ id: 'a' }],
      owner: null,
    });
    const bad: unknown[] = [
      { items: [{ id: 'a' }] },
      { items: [{ id: 'a' }], owner: { reference: 'Practitioner/.' } },
      { items: [{ id: 'a' }], owner: { reference: 'Organization/x' } },
      { items: [{ id: 'a' }], owner: {} },
      { items: [{ id: 'a', assignment: { id: 't' } }], owner: null },
      { items: [{ id: 'a', assignment: { id: '..', version: '1' } }], owner: null },
      { items: [], owner: null },
    ];
    for (const body of bad) expect(() => parseAssignRequest(body), JSON.stringify(body)).toThrow();
  });

  it('builds one Task per gap: focus the gap, owner the person, queue as performer type', () => {
    const gap = issue('di-1', 'charge-code-mismatch', { enc: 'enc-8', patient: 'pat-8' });
    const task = assignmentTask({
      issue: {
        ...gap,
        code: { coding: [{ ...gap.code?.coding?.[0], display: 'Posted charge has the wrong code' }] },
      },
      queue: 'charge-correction',
      encounter: 'enc-8',
      owner: { reference: 'Practitioner/cr-1', display: 'Carl Reviewer' },
      now: '2026-12-01T10:00:00.000Z',
    });
    expect(task).toEqual({
      resourceType: 'Task',
      identifier: [{ system: 'https://vialwise.dev/fhir/sid/gap-assignment', value: 'di-1' }],
      status: 'ready',
      intent: 'order',
      code: {
        coding: [
          {
            system: 'https://vialwise.dev/fhir/CodeSystem/gap-task',
            code: 'work-gap',
            display: 'Work a documentation gap',
          },
        ],
      },
      description: 'Posted charge has the wrong code',
      focus: { reference: 'DetectedIssue/di-1' },
      for: { reference: 'Patient/pat-8' },
      encounter: { reference: 'Encounter/enc-8' },
      authoredOn: '2026-12-01T10:00:00.000Z',
      lastModified: '2026-12-01T10:00:00.000Z',
      performerType: [
        {
          coding: [
            {
              system: 'https://vialwise.dev/fhir/CodeSystem/gap-queue',
              code: 'charge-correction',
              display: 'Charge correction',
            },
          ],
        },
      ],
      owner: { reference: 'Practitioner/cr-1', display: 'Carl Reviewer' },
    });
    expect(assignedGap(task)).toBe('di-1');

    // Reassigned, then unassigned: the same Task, first written kept.
    const written = { ...task, id: 't-1', meta: { versionId: '1' } };
    const moved = assignmentTask({
      issue: gap,
      queue: 'charge-correction',
      current: written,
      owner: { display: 'Dana Biller' },
      now: '2026-12-02T09:00:00.000Z',
    });
    expect(moved).toMatchObject({
      id: 't-1',
      status: 'ready',
      authoredOn: '2026-12-01T10:00:00.000Z',
      lastModified: '2026-12-02T09:00:00.000Z',
      owner: { display: 'Dana Biller' },
    });
    const none = assignmentTask({
      issue: gap,
      queue: 'charge-correction',
      current: moved,
      owner: null,
      now: '2026-12-03T09:00:00.000Z',
    });
    expect(none.status).toBe('requested');
    expect(none).not.toHaveProperty('owner');
    expect(assignmentOf({ ...none, meta: { versionId: '3' } })).toEqual({
      id: 't-1',
      version: '3',
      since: '2026-12-03T09:00:00.000Z',
    });
    // A cancelled Task assigns nobody.
    expect(assignmentOf({ ...written, status: 'cancelled' }).owner).toBeUndefined();
  });
});

describe('the gap-queue CodeSystem (fhir-profiles/)', () => {
  it('lists the queues the UI shows, with the same names', () => {
    const cs = loadProfiles().byUrl.get('https://vialwise.dev/fhir/CodeSystem/gap-queue') as
      CodeSystem | undefined;
    expect(cs?.concept?.map((c) => [c.code, c.display])).toEqual(QUEUES.map((q) => [q.id, q.label]));
  });

  it('builds Tasks that conform to the VialwiseGapAssignment profile, assigned or not', () => {
    const url = 'https://vialwise.dev/fhir/StructureDefinition/vialwise-gap-assignment';
    const gap = issue('di-1', 'missing-route', { enc: 'enc-1' });
    const base = {
      issue: gap,
      queue: 'clinical-documentation' as const,
      encounter: 'enc-1',
      now: '2026-12-01T10:00:00Z',
    };
    const assigned = assignmentTask({ ...base, owner: { display: 'Nurse A' } });
    expect(formatIssues(validateAgainstProfile(assigned, url))).toBe('');
    expect(
      formatIssues(validateAgainstProfile(assignmentTask({ ...base, current: assigned, owner: null }), url)),
    ).toBe('');
    // The profile's invariant: assigned means an owner.
    expect(formatIssues(validateAgainstProfile(withoutOwner(assigned), url))).toMatch(/vw-assign-1/);
  });
});

describe('bounded reads', () => {
  it('chunks ids so that each query stays under the budget, in order, none lost', () => {
    const ids = Array.from(
      { length: 2000 },
      (_, i) => `3f2b9c1e-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const chunks = chunkValues(ids);
    expect(chunks.flat()).toEqual(ids);
    for (const c of chunks) expect(c.map(encodeURIComponent).join(',').length).toBeLessThanOrEqual(2_500);
    expect(chunks.length).toBeGreaterThan(20);
    expect(chunkValues([])).toEqual([]);
    // One value longer than the budget still goes out alone.
    expect(chunkValues(['x'.repeat(3000), 'y'])).toEqual([['x'.repeat(3000)], ['y']]);
  });

  it('runs jobs a few at a time and returns results in job order', async () => {
    let inFlight = 0;
    let most = 0;
    const jobs = Array.from({ length: 20 }, (_, i) => async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, (20 - i) % 5));
      inFlight--;
      return i;
    });
    expect(await inPool(jobs, 4)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(most).toBe(4);
  });
});

/** The Task without its owner (what the profile's invariant must refuse when assigned). */
function withoutOwner(task: Task): Task {
  const rest = { ...task };
  delete rest.owner;
  return rest;
}
