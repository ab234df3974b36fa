// Strategy plugin (code pack): a programming task that needs more reasoning steps to solve. From
// WizardCoder's (arXiv 2306.08568) code evolution directions, in our own words, inside core's in-depth prompt.
import { defineStrategy, inDepthMessages, parseRewrite, type StrategyFactory } from '@evolflow/core/plugin';

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'code-reasoning',
    kind: 'depth',
    prompt: (parent) => ({
      messages: inDepthMessages(parent, {
        direction:
          'it is a programming task (make it one on the same subject if it is not): if a few obvious steps solve it, make it need more logical steps, such as one more stage of processing, a second condition to check or two operations to combine, without spelling the steps out.',
      }),
    }),
    parse: parseRewrite,
  });

export default factory;
