// Strategy plugin (math pack): a math problem that needs more steps of reasoning, keeping exactly one
// well-defined answer. From WizardMath's (arXiv 2308.09583) evolution directions, in our own words, inside
// core's in-depth prompt. A worked solution the evolver appends is cut off.
import { defineStrategy, inDepthMessages, parseRewrite, withoutSolution, type StrategyFactory } from '@evolflow/core/plugin';

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'math-steps',
    kind: 'depth',
    prompt: (parent) => ({
      messages: inDepthMessages(parent, {
        direction:
          'it is a math problem (make it a word problem on the same subject if it is not): make it need one more step of reasoning, an intermediate quantity that must be worked out before the one asked for, so that it still has exactly one correct numeric answer. Do not solve it.',
      }),
    }),
    parse: (output) => parseRewrite(withoutSolution(output)),
  });

export default factory;
