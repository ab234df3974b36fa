// Strategy plugin (math pack): a new problem from a math problem, its quantities and story changed while the
// kind of reasoning stays, checked to keep exactly one well-defined answer (whole items stay whole, nothing
// goes negative). From WizardMath's (arXiv 2308.09583) evolution directions, in our own words. In breadth:
// the parent's numbers and data are meant to change.
import { defineStrategy, parseRewrite, withoutSolution, taskText, type StrategyFactory } from '@evolflow/core/plugin';

const RULES = [
  'You are a prompt creator. Write a new math problem that needs the same kind of reasoning as the one below,',
  'with different quantities and a different everyday setting (other people, objects or units). Choose the',
  'numbers so that it has exactly one correct answer that makes sense: whole items stay whole, no amount',
  'becomes negative or impossible. Keep it about as long as the one below, and do not solve it.',
  'Never use the words "#Given Prompt#", "#Created Prompt#", "given prompt" or "created prompt" in your result.',
].join('\n');

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'math-quantities',
    kind: 'breadth',
    prompt: (parent) => ({
      messages: [{ role: 'user', content: `${RULES}\n\n#Given Prompt#:\n${taskText(parent)}\n\n#Created Prompt#:\n` }],
    }),
    parse: (output) => parseRewrite(withoutSolution(output)),
  });

export default factory;
