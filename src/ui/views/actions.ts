/**
 * What people do to gaps from the worklist, as pure functions: acknowledging (a mitigation on
 * the DetectedIssue) and assigning (a Task per gap whose owner is the person; docs/ui.md,
 * "Assignment"), for one gap or several; the request bodies validated; the Practitioners the
 * forms offer.
 */
import type {
  DetectedIssue,
  DetectedIssueMitigation,
  Practitioner,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import type { GapQueue } from '../../domain/gaps.ts';
import { localRef } from '../../domain/fhir-values.ts';
import { VialwiseError } from '../../domain/errors.ts';
import {
  GAP_QUEUE_SYSTEM,
  GAP_TASK_CODE_SYSTEM,
  GAP_TASK_SID,
  MITIGATION_CODE_SYSTEM,
} from '../../domain/vocabulary.ts';
import type {
  AcknowledgeRequest,
  AssignRequest,
  Assignment,
  BulkAcknowledgeRequest,
  Person,
  PractitionerOption,
} from '../contract.ts';
import { queueLabel } from '../queues.ts';
import { ACKNOWLEDGED, isSafeId, personName } from '../shape.ts';

export class ActionError extends VialwiseError<'invalid-action'> {
  constructor(message: string) {
    super('invalid-action', message, { publicText: message });
  }
}

const MAX_NOTE = 2000;
const MAX_NAME = 200;
/** Gaps one bulk action may touch: a page of the worklist at most. */
export const MAX_ITEMS = 200;

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** `Practitioner/<id>` with an id the UI may read (never `Practitioner/.` or `Practitioner/..`). */
export function isPractitionerRef(value: string): boolean {
  return value.startsWith('Practitioner/') && isSafeId(value.slice('Practitioner/'.length));
}

/** A version id as sent back in `If-Match`. */
function isVersion(value: string): boolean {
  return value.length > 0 && value.length <= 128 && !/["\s]/.test(value);
}

/** A person from a form: a Practitioner reference, a typed name, or both. */
function parsePerson(value: unknown, role: string): { reference?: string; display?: string } {
  const p = object(value) ?? {};
  const reference = text(p['reference']);
  const display = text(p['display']);
  if (reference && !isPractitionerRef(reference))
    throw new ActionError(`The ${role} must be a Practitioner reference (Practitioner/<id>) or a name`);
  if (!reference && !display) throw new ActionError(`Say who the ${role} is (a name or Practitioner/<id>)`);
  if (display.length > MAX_NAME)
    throw new ActionError(`The ${role}'s name is longer than ${MAX_NAME} characters`);
  return { ...(reference ? { reference } : {}), ...(display ? { display } : {}) };
}

function parseNote(value: unknown): string {
  const note = text(value);
  if (!note) throw new ActionError('Write a note saying what you did or will do about the gap');
  if (note.length > MAX_NOTE) throw new ActionError(`The note is longer than ${MAX_NOTE} characters`);
  return note;
}

function parseId(value: unknown, what: string): string {
  const id = text(value);
  if (!isSafeId(id)) throw new ActionError(`${what} must be a FHIR id`);
  return id;
}

function parseItems<T>(value: unknown, item: (entry: Json) => T): T[] {
  if (!Array.isArray(value) || value.length === 0) throw new ActionError('Select at least one gap');
  if (value.length > MAX_ITEMS) throw new ActionError(`Select at most ${MAX_ITEMS} gaps at once`);
  const seen = new Set<string>();
  return value.map((v) => {
    const entry = object(v);
    if (!entry) throw new ActionError('Each item must be an object');
    const parsed = item(entry);
    const id = (parsed as { id: string }).id;
    if (seen.has(id)) throw new ActionError('A gap is listed twice');
    seen.add(id);
    return parsed;
  });
}

/** The body of `POST /api/ui/gaps/:id/acknowledge`. */
export function parseAcknowledgeRequest(body: unknown): AcknowledgeRequest {
  const b = object(body);
  if (!b) throw new ActionError('Body must be a JSON object');
  const version = text(b['version']);
  if (!isVersion(version)) throw new ActionError('version must be the versionId of the gap as loaded');
  const note = parseNote(b['note']);
  return { version, author: parsePerson(b['author'], 'clinician'), note };
}

/** The body of `POST /api/ui/gaps/acknowledge` (several gaps, one author and note). */
export function parseBulkAcknowledgeRequest(body: unknown): BulkAcknowledgeRequest {
  const b = object(body);
  if (!b) throw new ActionError('Body must be a JSON object');
  const author = parsePerson(b['author'], 'clinician');
  const note = parseNote(b['note']);
  const items = parseItems(b['items'], (e) => {
    const version = text(e['version']);
    if (!isVersion(version)) throw new ActionError('Each gap needs the versionId it was loaded with');
    return { id: parseId(e['id'], 'id'), version };
  });
  return { items, author, note };
}

/** The body of `POST /api/ui/gaps/assign`. */
export function parseAssignRequest(body: unknown): AssignRequest {
  const b = object(body);
  if (!b) throw new ActionError('Body must be a JSON object');
  if (!('owner' in b)) throw new ActionError('Say whom to assign the gaps to (owner), or null to unassign');
  const owner = b['owner'] === null ? null : parsePerson(b['owner'], 'owner');
  const items = parseItems(b['items'], (e) => {
    const id = parseId(e['id'], 'id');
    if (e['assignment'] === undefined || e['assignment'] === null) return { id };
    const a = object(e['assignment']);
    const version = text(a?.['version']);
    if (!a || !isVersion(version)) throw new ActionError('assignment must carry the id and version loaded');
    return { id, assignment: { id: parseId(a['id'], 'assignment.id'), version } };
  });
  return { items, owner };
}

/**
 * The DetectedIssue with the acknowledgement appended as a mitigation. R4 allows only a
 * Practitioner as `mitigation.author`: a name alone goes in as a display-only reference.
 */
export function acknowledgeIssue(issue: DetectedIssue, req: AcknowledgeRequest, now: string): DetectedIssue {
  const mitigation: DetectedIssueMitigation = {
    action: {
      coding: [
        { system: MITIGATION_CODE_SYSTEM, code: ACKNOWLEDGED, display: 'Acknowledged by a clinician' },
      ],
      text: req.note,
    },
    date: now,
    author: { ...req.author },
  };
  return { ...issue, mitigation: [...(issue.mitigation ?? []), mitigation] };
}

// ---------------------------------------------------------------------------------------------
// Assignment: one Task per gap

export function isAssignmentTask(task: Task): boolean {
  return (task.identifier ?? []).some((i) => i.system === GAP_TASK_SID);
}

/** The gap (DetectedIssue id) an assignment Task is about. */
export function assignedGap(task: Task): string | undefined {
  const focus = localRef(task.focus);
  return focus?.startsWith('DetectedIssue/') ? focus.slice('DetectedIssue/'.length) : undefined;
}

function ownerOf(task: Task): Person | undefined {
  if (task.status === 'cancelled' || task.status === 'entered-in-error') return undefined;
  const o = task.owner;
  const reference = typeof o?.reference === 'string' ? o.reference : undefined;
  const display = o?.display ?? reference;
  return display ? { ...(reference ? { reference } : {}), display } : undefined;
}

export function assignmentOf(task: Task): Assignment {
  const owner = ownerOf(task);
  return {
    id: task.id ?? '',
    ...(task.meta?.versionId ? { version: task.meta.versionId } : {}),
    ...(owner ? { owner } : {}),
    ...(task.lastModified ? { since: task.lastModified } : {}),
  };
}

/** The key an owner is filtered by: the Practitioner reference, else `name:` and the name. */
export function ownerKey(owner: Person): string {
  return owner.reference ?? `name:${owner.display}`;
}

export interface AssignmentInput {
  readonly issue: DetectedIssue;
  readonly queue: GapQueue;
  readonly encounter?: string;
  /** The gap's Task, when it has one. */
  readonly current?: Task;
  /** The person; null unassigns. */
  readonly owner: Person | null;
  readonly now: string;
}

/**
 * The gap's assignment Task with the new owner: `ready` with an owner, `requested` without one
 * (FHIR R4 Task state machine). The queue goes in `performerType` so an EHR inbox can route it.
 */
export function assignmentTask(input: AssignmentInput): Task {
  const { issue, current, owner, now } = input;
  const base: Task = current ?? {
    resourceType: 'Task',
    identifier: [{ system: GAP_TASK_SID, value: issue.id ?? '' }],
    status: 'requested',
    intent: 'order',
    code: {
      coding: [{ system: GAP_TASK_CODE_SYSTEM, code: 'work-gap', display: 'Work a documentation gap' }],
    },
    focus: { reference: `DetectedIssue/${issue.id ?? ''}` },
    ...(issue.patient?.reference ? { for: { reference: issue.patient.reference } } : {}),
    ...(input.encounter ? { encounter: { reference: `Encounter/${input.encounter}` } } : {}),
    authoredOn: now,
  };
  const rest: Task = { ...base };
  delete rest.owner;
  const ownerRef: Task['owner'] = owner
    ? { ...(owner.reference ? { reference: owner.reference } : {}), display: owner.display }
    : undefined;
  return {
    ...rest,
    status: owner ? 'ready' : 'requested',
    description: issue.code?.coding?.[0]?.display ?? 'Documentation gap',
    performerType: [
      { coding: [{ system: GAP_QUEUE_SYSTEM, code: input.queue, display: queueLabel(input.queue) }] },
    ],
    lastModified: now,
    ...(ownerRef ? { owner: ownerRef } : {}),
  };
}

export function practitionerOptions(resources: readonly Resource[]): PractitionerOption[] {
  return resources
    .filter((r): r is Practitioner => r.resourceType === 'Practitioner' && !!r.id && r.active !== false)
    .map((p) => ({
      reference: `Practitioner/${p.id ?? ''}`,
      display: personName(p.name) ?? `Practitioner/${p.id ?? ''}`,
    }))
    .sort((a, b) => a.display.localeCompare(b.display));
}
