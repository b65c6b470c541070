/** core/progress.ts: progress lines and the in-place status line of a stage's runs. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../pipeline/src/core/progress.ts';

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
    const run = p.start('sinc · deep · seed 1', 100);
    for (let e = 1; e <= 100; e++) {
      c.tick(0.125);
      run.update(e, `loss ${(1 / e).toExponential(2)}`);
    }
    run.end('done');
    const lines = c.text().trimEnd().split('\n');
    // 12.5 s of work at one line per 5 s, plus the run's closing line.
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('[demo]  20% sinc · deep · seed 1  epoch 40/100  loss 2.50e-2  8.0 epoch/s  ETA 20 s');
    expect(lines[2]).toBe('[demo] sinc · deep · seed 1: done  (ETA 13 s)');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: plain output carries no carriage return or escape sequence
    expect(c.text()).not.toMatch(/[\r\x1b]/);
  });

  it('redraws one status line in place on a terminal', () => {
    const c = capture(true);
    const p = c.log.progress(10, 'epoch');
    const run = p.start('run', 10);
    for (let e = 1; e <= 10; e++) {
      c.tick(1);
      run.update(e, 'loss 1');
    }
    run.end('ok');
    expect(c.text()).toContain('\r\x1b[2K[demo] 100% run  epoch 10/10');
    expect(c.text().endsWith('[demo] run: ok  (10 s in all)\n')).toBe(true);
  });

  it('counts the steps of runs going on at once', () => {
    const c = capture(false);
    const p = c.log.progress(40, 'epoch');
    const a = p.start('a', 20);
    const b = p.start('b', 20);
    c.tick(5);
    a.update(10, 'x');
    b.update(10, 'y');
    c.tick(5);
    a.update(20, 'x');
    a.end('done');
    // 30 of 40 steps in 10 s: 3.3 s to go.
    expect(c.text()).toContain('[demo] a: done  (ETA 3.3 s)');
    b.update(20, 'y');
    b.end('done');
    expect(c.text().trimEnd().split('\n').pop()).toBe('[demo] b: done  (10 s in all)');
  });

  it('shrinks the total when a run stops before its budget, so the ETA is not cut short', () => {
    const c = capture(false);
    const p = c.log.progress(200, 'step');
    const early = p.start('early', 100);
    c.tick(10);
    early.update(20, '');
    // Stopped at a target after 20 of its 100 steps: 20 done in 10 s, 100 left, 50 s to go.
    early.end('stopped', 20);
    expect(c.text().trimEnd().split('\n').pop()).toBe('[demo] early: stopped  (ETA 50 s)');
    const rest = p.start('rest', 100);
    c.tick(50);
    rest.update(100, '');
    rest.end('done');
    expect(c.text().trimEnd().split('\n').pop()).toBe('[demo] rest: done  (1 min 0 s in all)');
  });
});

describe('an honest ETA', () => {
  it('is withheld until the rate means something, and waiting for a core does not count as work', () => {
    const c = capture(false);
    const p = c.log.progress(1000, 'epoch');
    // Waiting 60 s for a core before the first run starts: not part of the rate.
    c.tick(60);
    const run = p.start('a', 500);
    c.tick(1);
    run.update(5, '');
    c.tick(5);
    run.update(100, '');
    const lines = c.text().trimEnd().split('\n');
    // At 1 s and 5 epochs nothing is known yet; later, 100 epochs in 6 s of training: 900 left, 54 s.
    expect(lines[0]).toBe('[demo]   1% a  epoch 5/500    5.0 epoch/s  ETA after warm-up');
    expect(lines.at(-1)).toBe('[demo]  10% a  epoch 100/500    17 epoch/s  ETA 54 s');
  });

  it('says "after warm-up" rather than an absurd figure after a first slow step', () => {
    const c = capture(true);
    const p = c.log.progress(60_000, 'epoch');
    const run = p.start('first', 6000);
    c.tick(2);
    run.update(1, 'loss 1');
    expect(c.text()).toContain('ETA after warm-up');
    expect(c.text()).not.toMatch(/ETA \d+h/);
  });
});
