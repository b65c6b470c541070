import { describe, expect, it } from 'vitest';
import { createLogger, formatDuration } from '../pipeline/src/progress.ts';

function capture(isTTY: boolean) {
  let text = '';
  let t = 0;
  const log = createLogger({ write: (s: string) => (text += s), isTTY }, { prefix: '[demo]', interval: 5, now: () => t });
  return { log, text: () => text, tick: (s: number) => (t += s) };
}

describe('progress output', () => {
  it('prints plain lines with epoch, loss and ETA at a bounded rate when not on a terminal', () => {
    const c = capture(false);
    const p = c.log.progress(200, 'epoch');
    p.start('sinc · deep · seed 1', 100);
    for (let e = 1; e <= 100; e++) {
      c.tick(0.125);
      p.update(e, `loss ${(1 / e).toExponential(2)}`);
    }
    p.end('done');
    const lines = c.text().trimEnd().split('\n');
    // 12.5 s of work at one line per 5 s, plus the run's closing line.
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('[demo]  20% sinc · deep · seed 1  epoch 40/100  loss 2.50e-2  8.0 epoch/s  ETA 20s');
    expect(lines[2]).toBe('[demo] sinc · deep · seed 1: done  (ETA 13s)');
    expect(c.text()).not.toMatch(/[\r\x1b]/);
  });

  it('redraws one status line in place on a terminal', () => {
    const c = capture(true);
    const p = c.log.progress(10, 'epoch');
    p.start('run', 10);
    for (let e = 1; e <= 10; e++) {
      c.tick(1);
      p.update(e, 'loss 1');
    }
    p.end('ok');
    expect(c.text()).toContain('\r\x1b[2K[demo] 100% run  epoch 10/10');
    expect(c.text().endsWith('[demo] run: ok  (10s in all)\n')).toBe(true);
  });

  it('formats durations', () => {
    expect(formatDuration(3.25)).toBe('3.3s');
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 60)).toBe('3h01m');
    expect(formatDuration(NaN)).toBe('?');
  });
});
