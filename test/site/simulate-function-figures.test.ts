/**
 * Figure A of the 1-1 "Simulate a function" page (site/src/stages/simulate-function.ts),
 * drawn from a fixture of its artifact in which some runs diverged: a
 * diverged run is never drawn, a model left without runs loses its line, and
 * each diverged run gets a notice under the figure.
 */
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import type { SimulateFunctionData } from '../../pipeline/src/stages/simulate-function/spec.ts';
import { oneSide } from '../../site/src/lib/data/sides.ts';
import simulateFunction from '../../site/src/stages/simulate-function.ts';
import { fixture } from '../helpers/checks.ts';

/** Paths drawn by the mark whose group carries this aria-description. */
function marks(svg: string, description: string): number {
  const { document } = parseHTML(`<div>${svg}</div>`);
  const group = document.querySelector(`g[aria-description="${description}"]`);
  return group ? group.querySelectorAll('path').length : 0;
}

describe('1-1 simulate a function, diverged runs', () => {
  it('draws no diverged run: a notice for each instead, and no line for a model whose every run diverged', () => {
    const data: SimulateFunctionData = structuredClone(fixture('simulate-function'));
    // Every run of the first model diverges, and the first run of the second.
    for (const f of data.functions) {
      for (const [i, r] of f.results.entries())
        for (const [k, run] of r.runs.entries())
          if (i === 0 || (i === 1 && k === 0)) {
            run.diverged = { epoch: 3, value: 'NaN' };
            run.losses = run.losses.slice(0, 3);
            run.finalLoss = null;
            run.gridLoss = null;
            run.prediction = null;
          }
    }
    for (const f of data.functions) {
      const parts = simulateFunction.figures!.loss!(oneSide(data), { fn: f.id });
      expect(marks(parts.svg, 'median per model'), f.id).toBe(data.models.length - 1);
      const expected = f.results.flatMap((m) =>
        m.runs.filter((x) => x.diverged).map((x) => `Diverged and not drawn: ${m.model}, seed ${x.seed}, loss NaN in epoch 3.`),
      );
      expect(expected.length).toBeGreaterThan(1);
      expect(parts.notes).toEqual(expected);
    }
  });
});
