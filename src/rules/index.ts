/**
 * The billing engine's entry point (pure): one Encounter and its resources in, lines and gaps out.
 */
export { evaluateEncounter } from './evaluate.ts';
export type { EngineReference } from './context.ts';
