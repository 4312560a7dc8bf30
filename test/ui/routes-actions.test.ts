/**
 * What people do to gaps, over HTTP against the real service and the embedded FHIR server with
 * the demo data: acknowledging several gaps at once and assigning gaps (a Task per gap), each
 * write with If-Match and its own outcome; the Task checked against its profile; what the FHIR
 * server says when it refuses never reaches the page or the log.
 */
import type { AddressInfo } from 'node:net';
import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Bundle, DetectedIssue, Task } from '@medplum/fhirtypes';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FhirGateway } from '../../src/fhir/gateway.ts';
import { formatIssues, validateAgainstProfile } from '../support/profiles/index.ts';
import { errorHandler } from '../../src/http/errors.ts';
import { createLogger } from '../../src/logger.ts';
import type { BulkOutcome, WorklistPage as Worklist } from '../../src/ui/contract.ts';
import { uiRouter } from '../../src/ui/routes.ts';
import { ILLUSTRATIVE } from './builders.ts';
import { demoPatientData, fhir, search, startDemoService, type DemoService } from './support.ts';

let demo: DemoService;
let base: string;

const ASSIGNMENT_PROFILE = 'https://vialwise.dev/fhir/StructureDefinition/vialwise-gap-assignment';
const NOW = new Date('2026-12-01T15:00:00Z');

beforeAll(async () => {
  demo = await startDemoService({}, { clock: () => NOW });
  base = demo.running.serviceUrl;
});

afterAll(async () => {
  await demo?.running.stop();
});

async function get(path: string): Promise<Worklist> {
  return (await (await fetch(base + path)).json()) as Worklist;
}

async function post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

async function read<T>(path: string): Promise<T> {
  return (await fhir<T>(demo.running, 'GET', path)).body;
}

describe('acknowledging several gaps at once', () => {
  it('writes each with If-Match and reports the ones that changed since the page loaded', async () => {
    const w = await get('/api/ui/worklist?queue=charge-correction');
    const [first, second] = w.rows;
    if (!first?.version || !second?.version) throw new Error('two charge gaps expected');
    // Someone else writes the second gap after the page loaded it.
    const changed = await read<DetectedIssue>(`DetectedIssue/${second.id}`);
    await fhir(demo.running, 'PUT', `DetectedIssue/${second.id}`, {
      ...changed,
      detail: `${changed.detail ?? ''} `,
    });
    const r = await post('/api/ui/gaps/acknowledge', {
      items: [
        { id: first.id, version: first.version },
        { id: second.id, version: second.version },
        { id: 'no-such-gap', version: '1' },
      ],
      author: { reference: 'Practitioner/demo-md-delta' },
      note: 'Reviewed with billing; corrected charge to follow',
    });
    expect(r.status).toBe(200);
    const out = r.body as BulkOutcome;
    expect(out).toMatchObject({ succeeded: 1, failed: 2 });
    expect(out.results.map((x) => [x.id, x.ok, x.status])).toEqual([
      [first.id, true, 200],
      [second.id, false, 412],
      ['no-such-gap', false, 404],
    ]);
    expect(out.results[1]?.message).toMatch(/changed since the page loaded it/);
    const acked = await read<DetectedIssue>(`DetectedIssue/${first.id}`);
    expect(acked.meta?.versionId).toBe(out.results[0]?.version);
    expect(acked.mitigation?.at(-1)).toMatchObject({
      action: { text: 'Reviewed with billing; corrected charge to follow' },
      author: { reference: 'Practitioner/demo-md-delta', display: 'Demo Physician-Delta, MD (synthetic)' },
    });
    expect((await read<DetectedIssue>(`DetectedIssue/${second.id}`)).mitigation ?? []).toEqual(
      changed.mitigation ?? [],
    );
  });

  it('refuses a malformed request before writing anything', async () => {
    const w = await get('/api/ui/worklist');
    const row = w.rows[0];
    if (!row?.version) throw new Error('a gap expected');
    const ok = { items: [{ id: row.id, version: row.version }], note: 'n' };
    for (const author of [
      { reference: 'Practitioner/.' },
      { reference: 'Practitioner/..' },
      { reference: 'Practitioner/nobody' },
    ]) {
      const r = await post('/api/ui/gaps/acknowledge', { ...ok, author });
      expect(r.status, JSON.stringify(author)).toBe(400);
    }
    expect(
      (await post('/api/ui/gaps/acknowledge', { ...ok, author: { display: 'A' }, items: [] })).status,
    ).toBe(400);
    expect((await read<DetectedIssue>(`DetectedIssue/${row.id}`)).meta?.versionId).toBe(row.version);
  });
});

describe('assigning gaps', () => {
  it('creates one Task per gap, reassigns it with If-Match, refuses a stale page, and unassigns', async () => {
    const w = await get('/api/ui/worklist?queue=clinical-documentation');
    const [a, b] = w.rows;
    if (!a || !b) throw new Error('two gaps expected');
    expect(a.assignment).toBeUndefined();
    const r = await post('/api/ui/gaps/assign', {
      items: [{ id: a.id }, { id: b.id }],
      owner: { reference: 'Practitioner/demo-rn-bravo' },
    });
    expect(r.status).toBe(200);
    const out = r.body as BulkOutcome;
    expect(out).toMatchObject({ succeeded: 2, failed: 0 });
    const tasks = await search<Task>(
      demo.running,
      `Task?identifier=${encodeURIComponent(`https://vialwise.dev/fhir/sid/gap-assignment|${a.id}`)}`,
    );
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      status: 'ready',
      intent: 'order',
      focus: { reference: `DetectedIssue/${a.id}` },
      owner: { reference: 'Practitioner/demo-rn-bravo', display: 'Demo Nurse-Bravo, RN (synthetic)' },
      performerType: [{ coding: [{ code: 'clinical-documentation' }] }],
      lastModified: NOW.toISOString(),
    });
    // It conforms to the VialwiseGapAssignment profile (fhir-profiles/input/fsh/gap-assignment.fsh).
    expect(formatIssues(validateAgainstProfile(tasks[0] as Task, ASSIGNMENT_PROFILE))).toBe('');
    const seen = out.results[0]?.assignment;
    expect(seen).toEqual({
      id: tasks[0]?.id,
      version: tasks[0]?.meta?.versionId,
      owner: { reference: 'Practitioner/demo-rn-bravo', display: 'Demo Nurse-Bravo, RN (synthetic)' },
      since: NOW.toISOString(),
    });
    if (!seen?.version) throw new Error('assignment expected');

    // The worklist shows the owner and filters by it.
    const mine = await get('/api/ui/worklist?owner=Practitioner%2Fdemo-rn-bravo');
    expect(mine.rows.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
    expect(mine.rows[0]?.assignment?.owner?.display).toBe('Demo Nurse-Bravo, RN (synthetic)');

    // A page that loaded before the assignment cannot overwrite it.
    const late = (
      await post('/api/ui/gaps/assign', { items: [{ id: a.id }], owner: { display: 'Someone Else' } })
    ).body as BulkOutcome;
    expect(late.results[0]).toMatchObject({ ok: false, status: 412 });

    // Reassigned by name with the version seen; the old version is then stale.
    const moved = (
      await post('/api/ui/gaps/assign', {
        items: [{ id: a.id, assignment: { id: seen.id, version: seen.version } }],
        owner: { display: 'Dana Coder' },
      })
    ).body as BulkOutcome;
    expect(moved.results[0]).toMatchObject({
      ok: true,
      assignment: { id: seen.id, owner: { display: 'Dana Coder' } },
    });
    const stale = (
      await post('/api/ui/gaps/assign', {
        items: [{ id: a.id, assignment: { id: seen.id, version: seen.version } }],
        owner: null,
      })
    ).body as BulkOutcome;
    expect(stale.results[0]).toMatchObject({ ok: false, status: 412 });
    const now = moved.results[0]?.assignment;
    const cleared = (
      await post('/api/ui/gaps/assign', {
        items: [{ id: a.id, assignment: { id: now?.id, version: now?.version } }],
        owner: null,
      })
    ).body as BulkOutcome;
    expect(cleared.results[0]).toMatchObject({ ok: true, status: 200 });
    const task = await read<Task>(`Task/${seen.id}`);
    expect(task.status).toBe('requested');
    expect(task.owner).toBeUndefined();
    expect(formatIssues(validateAgainstProfile(task, ASSIGNMENT_PROFILE))).toBe('');
    expect((await get('/api/ui/worklist?owner=none')).rows.some((x) => x.id === a.id)).toBe(true);
  });

  it('refuses owners it cannot write and gaps that are not open vialwise gaps', async () => {
    const w = await get('/api/ui/worklist');
    const id = w.rows[0]?.id ?? '';
    for (const owner of [{ reference: 'Practitioner/.' }, { reference: 'Patient/demo-pat-05' }, {}])
      expect(
        (await post('/api/ui/gaps/assign', { items: [{ id }], owner })).status,
        JSON.stringify(owner),
      ).toBe(400);
    const foreign = await fhir<DetectedIssue>(demo.running, 'POST', 'DetectedIssue', {
      resourceType: 'DetectedIssue',
      status: 'preliminary',
    });
    const out = (
      await post('/api/ui/gaps/assign', { items: [{ id: foreign.body.id }], owner: { display: 'A' } })
    ).body as BulkOutcome;
    expect(out.results[0]).toMatchObject({ ok: false, status: 404, message: 'No such documentation gap' });
  });
});

describe('errors of the FHIR server', () => {
  it("are answered in the UI's own words, never with the server's text", async () => {
    const SECRET = 'HAPI-0389: org.hibernate.exception at db-primary.internal:5432 for Patient/demo-pat-05';
    const refused = () => new OperationOutcomeError(badRequest(SECRET));
    const real = demo.running.gateway;
    const failing: FhirGateway = {
      ...real,
      read: () => Promise.reject(refused()),
      batch: () => Promise.reject(refused()),
      searchPages: (): AsyncIterable<Bundle> => ({
        [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(refused()) }),
      }),
    };
    const log: string[] = [];
    const logger = createLogger('debug', { write: (line: string) => void log.push(line) });
    const app = express();
    app.use(uiRouter({ gateway: failing, service: demo.running.service, prices: ILLUSTRATIVE, logger }));
    app.use(errorHandler(logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const at = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of [
        '/api/ui/worklist',
        '/api/ui/dashboard',
        '/api/ui/worklist.csv',
        '/api/ui/encounters/demo-enc-05',
      ]) {
        const res = await fetch(at + path);
        const text = await res.text();
        expect(res.status, path).toBe(502);
        expect(JSON.parse(text)).toMatchObject({
          issue: [{ details: { text: 'The FHIR server refused the request' } }],
        });
        expect(text, path).not.toMatch(/HAPI|hibernate|db-primary|demo-pat-05/);
      }
      const ack = await fetch(`${at}/api/ui/gaps/acknowledge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ id: 'x', version: '1' }], author: { display: 'A' }, note: 'n' }),
      });
      const body = (await ack.json()) as BulkOutcome;
      expect(body.results[0]).toEqual({
        id: 'x',
        ok: false,
        status: 502,
        message: 'The FHIR server refused the change',
      });
      expect(log.join('')).not.toMatch(/HAPI|hibernate|db-primary/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('logs', () => {
  it('say what was done, with counts, never names, notes or patient data', () => {
    const text = demo.log.join('');
    expect(text).toContain('"event":"gaps-acknowledged"');
    expect(text).toContain('"event":"gaps-assigned"');
    for (const s of [...demoPatientData(), 'Dana Coder', 'corrected charge to follow', 'Someone Else'])
      expect(text, s).not.toContain(s);
  });
});
