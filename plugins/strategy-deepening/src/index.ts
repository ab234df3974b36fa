// Strategy plugin: in-depth evolution that asks for deeper and broader treatment of the topic.
// The prompt follows the WizardLM (arXiv 2304.12244) in-depth template, in our own words (core's inDepthMessages).
// Tested with the other in-depth strategies in one table: packages/core/src/strategy-kit.test.ts.
import { defineStrategy, inDepthMessages, parseRewrite, type StrategyFactory } from '@evolflow/core/plugin';

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'deepening',
    kind: 'depth',
    prompt: (parent) => ({
      messages: inDepthMessages(parent, {
        direction: 'when it asks about a particular topic, increase the depth and breadth of the inquiry into that topic.',
      }),
    }),
    parse: parseRewrite,
  });

export default factory;
