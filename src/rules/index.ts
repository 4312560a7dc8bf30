/**
 * The billing engine's entry point (pure): one Encounter and its resources in, lines and gaps out.
 */
export { evaluateEncounter, type EngineReference } from './engine.ts';
