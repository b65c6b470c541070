/**
 * The MNIST subsets the section 1-3 stages train on, and what their
 * artifacts record about them.
 */
import type { StageContext } from '../core/stage.ts';
import { releaseSubsets, type TrainTestSubsets, trainTestSubsets } from './images.ts';
import type { DatasetInfo, SubsetConfig } from './subset-fields.ts';

/** This thread's subsets for the config (made once, kept until releaseSubsets()). */
export const mnistSubsets = (config: SubsetConfig): TrainTestSubsets => trainTestSubsets('mnist', config.dataSeed, config.trainingSamples, config.testSamples);

/**
 * Before any run: reads the subsets once in this thread, records MNIST's
 * identity in the manifest and logs its source, then frees them. Returns
 * what the artifact says of the data and whatever `more` reads off the subsets.
 */
export function describeMnist<T>(
  config: SubsetConfig,
  ctx: Pick<StageContext, 'datasets' | 'log'>,
  more: (s: TrainTestSubsets) => T,
): { dataset: DatasetInfo } & T {
  try {
    const s = mnistSubsets(config);
    const d = s.dataset;
    ctx.datasets.mnist = d.identity;
    ctx.log.info(`MNIST: ${d.source}, identity ${d.identity}`);
    const dataset: DatasetInfo = {
      name: 'MNIST',
      source: d.source,
      identity: d.identity,
      trainCount: d.train.count,
      testCount: d.test.count,
      trainingSamples: config.trainingSamples,
      testSamples: config.testSamples,
      dataSeed: config.dataSeed,
    };
    return { dataset, ...more(s) };
  } finally {
    releaseSubsets();
  }
}
