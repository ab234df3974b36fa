// Strategy plugin (math pack): a math problem made harder by one more condition or unknown, keeping exactly
// one well-defined answer. From WizardMath's (arXiv 2308.09583) upward evolution, in our own words, inside
// core's in-depth prompt. A worked solution the evolver appends is cut off (the responder must solve it).
import { defineStrategy, inDepthMessages, parseRewrite, withoutSolution, type StrategyFactory } from '@evolflow/core/plugin';

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'math-harder',
    kind: 'depth',
    prompt: (parent) => ({
      messages: inDepthMessages(parent, {
        direction:
          'it is a math problem (make it a word problem on the same subject if it is not): add one more condition, quantity or unknown the solver must account for, so that it still has exactly one correct numeric answer. Do not solve it.',
      }),
    }),
    parse: (output) => parseRewrite(withoutSolution(output)),
  });

export default factory;
