// Strategy plugin (math pack): a math problem that needs more steps of reasoning, keeping exactly one
// well-defined answer. From WizardMath's (arXiv 2308.09583) evolution directions, in our own words, inside
// core's in-depth prompt. A worked solution the evolver appends is cut off.
import { defineStrategy, inDepthMessages, parseRewrite, type StrategyFactory } from '@evolflow/core/plugin';

/** The rewritten problem without a worked solution or answer the evolver may have added after it. */
export function withoutSolution(output: string): string {
  const at = output.search(/^[ \t*#]*(answer|solution|final answer|step 1|答案|解答|解)\s*[:：]/imu);
  return at < 0 ? output : output.slice(0, at);
}

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
