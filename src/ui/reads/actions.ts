/**
 * The UI's writes to the FHIR server, one gap at a time even when people act on several:
 * acknowledging (the DetectedIssue updated with `If-Match` on the version the page showed) and
 * assigning (the gap's Task created once, then updated with `If-Match`). Each gap gets its own
 * outcome, so a bulk action reports what failed and why, in the UI's own words: the FHIR
 * server's error text never reaches the page.
 */
import { getStatus, OperationOutcomeError } from '@medplum/core';
import type { DetectedIssue, Practitioner, Task } from '@medplum/fhirtypes';
import { firstPage, isPreconditionFailed, isUnavailable, type FhirGateway } from '../../fhir/gateway.ts';
import { GAP_SID, GAP_TASK_SID } from '../../domain/vocabulary.ts';
import type {
  ActionOutcome,
  AcknowledgeRequest,
  AssignRequest,
  BulkAcknowledgeRequest,
  BulkOutcome,
  Person,
} from '../contract.ts';
import { queueOf } from '../queues.ts';
import { acknowledgementsOf, gapCodeOf, indexResources, issueEncounterId, personName } from '../shape.ts';
import {
  acknowledgeIssue,
  ActionError,
  assignedGap,
  assignmentOf,
  assignmentTask,
  isAssignmentTask,
} from '../views/actions.ts';
import { inPool } from './paged.ts';

/** Why one gap's action failed: a status and the words the page shows. */
class Refused extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const CHANGED = 'changed since the page loaded it: reload and try again';

export function isNotFound(err: unknown): boolean {
  return err instanceof OperationOutcomeError && getStatus(err.outcome) === 404;
}

/** The outcome of one gap's action from whatever it threw. */
function failed(id: string, err: unknown): ActionOutcome {
  if (err instanceof Refused) return { id, ok: false, status: err.status, message: err.message };
  if (isUnavailable(err))
    return { id, ok: false, status: 503, message: 'The FHIR server is unavailable: try again in a moment' };
  if (err instanceof OperationOutcomeError)
    return { id, ok: false, status: 502, message: 'The FHIR server refused the change' };
  throw err;
}

async function openGap(gateway: FhirGateway, id: string): Promise<DetectedIssue> {
  const issue = await gateway.read<DetectedIssue>('DetectedIssue', id).catch((err: unknown) => {
    if (isNotFound(err)) throw new Refused(404, 'No such documentation gap');
    throw err;
  });
  if (!(issue.identifier ?? []).some((i) => i.system === GAP_SID))
    throw new Refused(404, 'No such documentation gap');
  if (issue.status !== 'preliminary')
    throw new Refused(409, 'This gap is no longer open: the documentation was fixed or voided');
  return issue;
}

/**
 * The person as written: a Practitioner reference must exist on the FHIR server, and gets its
 * name when the form sent none.
 */
export async function resolvePerson(
  gateway: FhirGateway,
  person: { readonly reference?: string; readonly display?: string },
): Promise<Person> {
  if (!person.reference) return { display: person.display ?? '' };
  const reference = person.reference;
  const practitioner = await gateway
    .read<Practitioner>('Practitioner', reference.slice('Practitioner/'.length))
    .catch((err: unknown) => {
      if (isNotFound(err)) throw new ActionError(`${reference} is not on the FHIR server`);
      throw err;
    });
  return { reference, display: person.display ?? personName(practitioner.name) ?? reference };
}

function summary(results: ActionOutcome[]): BulkOutcome {
  const succeeded = results.filter((r) => r.ok).length;
  return { results, succeeded, failed: results.length - succeeded };
}

async function acknowledgeOne(
  gateway: FhirGateway,
  item: { readonly id: string; readonly version: string },
  author: Person,
  note: string,
  now: string,
): Promise<ActionOutcome> {
  try {
    const issue = await openGap(gateway, item.id);
    if (issue.meta?.versionId !== item.version) throw new Refused(412, `This gap ${CHANGED}`);
    const req: AcknowledgeRequest = { version: item.version, author, note };
    const written = await gateway
      .update(acknowledgeIssue(issue, req, now), { ifMatch: item.version })
      .catch((err: unknown) => {
        if (isPreconditionFailed(err)) throw new Refused(412, `This gap ${CHANGED}`);
        throw err;
      });
    return {
      id: item.id,
      ok: true,
      status: 200,
      ...(written.meta?.versionId ? { version: written.meta.versionId } : {}),
      acknowledgements: acknowledgementsOf(written),
    };
  } catch (err) {
    return failed(item.id, err);
  }
}

/** Acknowledges several gaps with one note; each with `If-Match` on the version the page saw. */
export async function acknowledgeGaps(
  gateway: FhirGateway,
  req: BulkAcknowledgeRequest,
  now: string,
): Promise<BulkOutcome> {
  const author = await resolvePerson(gateway, req.author);
  const results = await inPool(
    req.items.map((item) => () => acknowledgeOne(gateway, item, author, req.note, now)),
  );
  return summary(results);
}

async function currentTask(
  gateway: FhirGateway,
  gapId: string,
  seen: { readonly id: string; readonly version: string } | undefined,
): Promise<Task | undefined> {
  if (seen) {
    const task = await gateway.read<Task>('Task', seen.id).catch((err: unknown) => {
      if (isNotFound(err)) throw new Refused(412, `This gap's assignment ${CHANGED}`);
      throw err;
    });
    if (!isAssignmentTask(task) || assignedGap(task) !== gapId)
      throw new Refused(400, 'That Task does not assign this gap');
    return task;
  }
  const page = await firstPage(gateway, `Task?identifier=${encodeURIComponent(`${GAP_TASK_SID}|${gapId}`)}`);
  // Someone assigned it since the page loaded without an assignment.
  if ((page.entry ?? []).some((e) => e.resource?.resourceType === 'Task'))
    throw new Refused(412, `This gap's assignment ${CHANGED}`);
  return undefined;
}

async function assignOne(
  gateway: FhirGateway,
  item: AssignRequest['items'][number],
  owner: Person | null,
  now: string,
): Promise<ActionOutcome> {
  try {
    const issue = await openGap(gateway, item.id);
    const current = await currentTask(gateway, item.id, item.assignment);
    if (!current && !owner) return { id: item.id, ok: true, status: 200 };
    const encounter = issueEncounterId(issue, indexResources([]));
    const next = assignmentTask({
      issue,
      queue: queueOf(gapCodeOf(issue)),
      ...(encounter ? { encounter } : {}),
      ...(current ? { current } : {}),
      owner,
      now,
    });
    let written: Task;
    if (current && item.assignment) {
      written = await gateway.update(next, { ifMatch: item.assignment.version }).catch((err: unknown) => {
        if (isPreconditionFailed(err)) throw new Refused(412, `This gap's assignment ${CHANGED}`);
        throw err;
      });
    } else {
      written = await gateway.create(next, { ifNoneExist: `identifier=${GAP_TASK_SID}|${item.id}` });
      // A conditional create hands back a Task someone else created in the meantime.
      if (written.lastModified !== now || written.owner?.display !== next.owner?.display)
        throw new Refused(412, `This gap's assignment ${CHANGED}`);
    }
    const assignment = assignmentOf(written);
    return { id: item.id, ok: true, status: 200, assignment };
  } catch (err) {
    return failed(item.id, err);
  }
}

/** Assigns (or unassigns, `owner: null`) several gaps; each Task written on its own. */
export async function assignGaps(
  gateway: FhirGateway,
  req: AssignRequest,
  now: string,
): Promise<BulkOutcome> {
  const owner = req.owner ? await resolvePerson(gateway, req.owner) : null;
  const results = await inPool(req.items.map((item) => () => assignOne(gateway, item, owner, now)));
  return summary(results);
}
