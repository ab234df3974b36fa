// Strategy plugin (math pack): a math problem made easier (one condition or step fewer, smaller or rounder
// numbers), keeping exactly one well-defined answer: WizardMath's (arXiv 2308.09583) downward evolution, in
// our own words, so that the data covers easy problems too. Its own prompt (core's in-depth one asks for a
// harder version), with the same #The Given Prompt# / #Rewritten Prompt# markers the rest of the pipeline reads.
import { defineStrategy, parseRewrite, withoutSolution, taskText, type StrategyFactory } from '@evolflow/core/plugin';

const RULES = [
  'You are a prompt rewriter. Rewrite the math problem below into an easier version of the same problem, one a',
  'beginner can solve: drop one condition or step, or use smaller and rounder numbers. It must still be a',
  'complete problem with exactly one correct numeric answer. Keep it self-contained and do not solve it.',
  'Never use the words "#The Given Prompt#", "#Rewritten Prompt#", "given prompt" or "rewritten prompt" in your result.',
].join('\n');

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'math-easier',
    kind: 'depth',
    prompt: (parent) => ({
      messages: [{ role: 'user', content: `${RULES}\n\n#The Given Prompt#:\n${taskText(parent)}\n\n#Rewritten Prompt#:\n` }],
    }),
    parse: (output) => parseRewrite(withoutSolution(output)),
  });

export default factory;
