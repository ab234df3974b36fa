// @evolflow/stage-evolve: pick a strategy, call the evolver, parse the rewritten instruction.
export { createEvolveStage as create, createEvolveStage, loadStrategies, withWorkedExample, WORKED_EXAMPLE } from './handler.ts';
