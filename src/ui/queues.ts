/**
 * The work queues of the worklist: each gap code belongs to one (the `queue` of the gap
 * registry, src/domain/gaps.ts); here is what the pages call them and whose they are.
 */
import { GAPS, isGapCode, type GapQueue } from '../domain/gaps.ts';

export interface QueueLabel {
  readonly id: GapQueue;
  readonly label: string;
  readonly who: string;
}

/** In the order the pages list them. */
export const QUEUES: readonly QueueLabel[] = [
  {
    id: 'clinical-documentation',
    label: 'Clinical documentation',
    who: 'Nurses and clinicians: dose, route, time, diagnosis, waste, drug and NDC as charted',
  },
  {
    id: 'charge-correction',
    label: 'Charge correction',
    who: 'Charge reviewers: posted codes, units and JW/JZ modifiers, MUE, submitted claims',
  },
  {
    id: 'registration-coverage',
    label: 'Registration and coverage',
    who: 'Registration and authorization staff: coverage, payer, prior authorization',
  },
];

export const QUEUE_IDS: readonly GapQueue[] = QUEUES.map((q) => q.id);

export function isQueue(value: string): value is GapQueue {
  return (QUEUE_IDS as readonly string[]).includes(value);
}

/**
 * The queue of a gap code. A code the registry does not know (written by a newer vialwise)
 * goes to clinical documentation, where every gap started.
 */
export function queueOf(code: string): GapQueue {
  return isGapCode(code) ? GAPS[code].queue : 'clinical-documentation';
}

export function queueLabel(id: GapQueue): string {
  return QUEUES.find((q) => q.id === id)?.label ?? id;
}
