import { describe, expect, it } from 'vitest';
import { FunctionDurationHistogram } from './function-duration-histogram.js';

describe('FunctionDurationHistogram', () => {
  it('renders cumulative buckets (a bound counts values equal to it), sum and count per series', () => {
    const histogram = new FunctionDurationHistogram('d_seconds', 'Durations.', [0.001, 0.005]);
    const series = histogram.addSeries([['fn', 'a'], ['version', '1']]);
    histogram.addSeries([['fn', 'idle'], ['version', '1']]);
    for (const seconds of [0.0005, 0.001, 0.003, 0.5]) histogram.observe(series, seconds);
    expect(histogram.render()).toBe(
      [
        '# HELP d_seconds Durations.',
        '# TYPE d_seconds histogram',
        'd_seconds_bucket{fn="a",version="1",le="0.001"} 2',
        'd_seconds_bucket{fn="a",version="1",le="0.005"} 3',
        'd_seconds_bucket{fn="a",version="1",le="+Inf"} 4',
        'd_seconds_sum{fn="a",version="1"} 0.5045',
        'd_seconds_count{fn="a",version="1"} 4',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values', () => {
    const histogram = new FunctionDurationHistogram('d', 'h', [1]);
    histogram.observe(histogram.addSeries([['fn', 'a"b\\c\nd']]), 0.5);
    expect(histogram.render()).toContain('d_count{fn="a\\"b\\\\c\\nd"} 1');
  });
});
