/**
 * The train-on-tasks stage on a tiny budget through the CLI: real MNIST,
 * Fashion-MNIST taken away (its lookup pointed at an empty directory), the
 * data it read recorded in the manifest and what is missing warned about.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type TrainOnTasksData, spec as trainOnTasks } from '../../pipeline/src/stages/train-on-tasks/spec.ts';
import { type Result, readStageArtifact, runStageWith, tempDir } from '../helpers/helpers.ts';
import { tinyTrainOnTasks } from '../helpers/tiny-configs.ts';

describe('1-1 train on actual tasks, tiny budget', () => {
  const emptyDir = tempDir();
  let run: Result;
  let artifacts: string;
  let data: TrainOnTasksData;

  beforeAll(() => {
    ({ run, artifacts } = runStageWith('train-on-tasks', tinyTrainOnTasks, { HW1_PROFILE: 'quick', HW1_FASHION_MNIST_DIR: emptyDir }));
    data = readStageArtifact(artifacts, trainOnTasks).data;
  });

  it('trains every CNN on MNIST: loss falls, accuracy above chance', () => {
    const mnist = data.tasks.find((t) => t.id === 'mnist')!;
    expect(mnist.missing).toBeNull();
    expect(mnist.dataset!.trainCount).toBe(60000);
    for (const m of mnist.models) {
      const [r] = m.runs;
      expect(r!.epochs).toHaveLength(2);
      expect(r!.epochs[1]!.loss, m.name).toBeLessThan(r!.epochs[0]!.loss);
      // 40 Adam steps: enough to beat chance (10%) clearly, not to converge.
      expect(r!.test!.accuracy, m.name).toBeGreaterThan(0.2);
    }
  });

  it('records the data it read in the manifest and warns about what is missing', () => {
    const { manifest } = readStageArtifact(artifacts, trainOnTasks);
    expect(manifest.data.mnist).toMatch(/^[0-9a-f]{16}$/);
    expect(manifest.data['fashion-mnist']).toBe('absent');
    expect(run.stdout).toMatch(/warning: Fashion-MNIST is not installed; its part of the report shows a notice instead/);
    expect(run.stdout).toMatch(/apt-get install dataset-fashion-mnist/);
    const fashion = data.tasks.find((t) => t.id === 'fashion-mnist')!;
    expect(fashion.missing!.message).toContain(emptyDir);
    expect(fashion.models.every((m) => m.runs.length === 0)).toBe(true);
  });
});
