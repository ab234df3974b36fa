// Strategy plugin: in-depth evolution that replaces general concepts with more specific ones.
// The prompt follows the WizardLM (arXiv 2304.12244) in-depth template, in our own words (core's inDepthMessages).
// Tested with the other in-depth strategies in one table: packages/core/src/strategy-kit.test.ts.
import { defineStrategy, inDepthMessages, parseRewrite, type StrategyFactory } from '@evolflow/core/plugin';

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'concretizing',
    kind: 'depth',
    prompt: (parent) => ({
      messages: inDepthMessages(parent, { direction: 'replace general concepts with more specific concepts, names and figures.' }),
    }),
    parse: parseRewrite,
  });

export default factory;
