// @evolflow/stage-evolve: pick a strategy, call the evolver, parse the rewritten instruction.
export { createEvolveStage, loadStrategies } from './handler.ts';
