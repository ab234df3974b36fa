// Strategy plugin (code pack): a programming task that asks for a stricter time or space complexity. From
// WizardCoder's (arXiv 2306.08568) code evolution directions, in our own words. WizardCoder asks for this only
// now and then: `strategies.packs: [code]` gives it half the weight of the pack's other strategies.
import { defineStrategy, inDepthMessages, parseRewrite, type StrategyFactory } from '@evolflow/core/plugin';

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'code-complexity',
    kind: 'depth',
    prompt: (parent) => ({
      messages: inDepthMessages(parent, {
        direction:
          'it is a programming task (make it one on the same subject if it is not): require a time or space complexity bound stricter than the obvious solution meets, such as O(n log n) time or O(1) extra space, and only a bound that can be met.',
      }),
    }),
    parse: parseRewrite,
  });

export default factory;
