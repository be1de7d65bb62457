import { describe, expect, it } from 'vitest';

import { findingBenefit, largestBytes, rewriteBadge, rewriteHeading, sortFindings } from '../src/badge';
import { formatCount } from '../src/format';
import { IReportFinding } from '../src/protocol';

/** The advisor's view-pins-base finding as a user met it: the copy frees 105 MB, runs 2.5x slower. */
function pinned(speedup: number): IReportFinding {
  return {
    category: 'view-pins-base',
    severity: 'warning',
    lineno: 3,
    message: 'view small (80 B) keeps a 105 MB base alive',
    explanation: '',
    rewrite: {
      kind: 'fix',
      code: 'small = big[:10].copy()',
      lines: [3],
      verified: true,
      equal: true,
      check: 'rtol 1e-07 and atol 1e-07 x max |value|',
      speedup,
      peak_bytes_before: 0,
      peak_bytes_after: 80
    }
  };
}

describe('rewrite badges agree with the finding', () => {
  it('leads with the finding figure; a slower rewrite is amber; tolerances in the tooltip', () => {
    expect(largestBytes('view small (80 B) keeps a 105 MB base alive')).toBe('105 MB');
    expect(rewriteBadge(pinned(0.4))).toEqual({
      tone: 'tradeoff',
      text: 'frees 105 MB · 2.5× slower · verified',
      tooltip: 'compared: rtol 1e-07 and atol 1e-07 x max |value|',
      check: true
    });
    expect(rewriteBadge(pinned(3))?.tone).toBe('good');
    expect(rewriteBadge(pinned(3))?.text).toBe('frees 105 MB · 3× faster · verified');
  });

  it('a peak saving is the gain when the message has no freed buffer', () => {
    const finding: IReportFinding = {
      category: 'broadcast-blowup',
      severity: 'warning',
      lineno: 2,
      message: 'broadcast in subtract materialises 18 MB from 12 kB inputs',
      explanation: '',
      rewrite: { kind: 'equivalent', code: 's = x.max() - x.min()', lines: [2], verified: true, speedup: 3.2, peak_bytes_before: 2400, peak_bytes_after: 96 }
    };
    expect(findingBenefit(finding)).toBe('peak 2.4 kB → 96 B');
    expect(rewriteBadge(finding)?.text).toBe('peak 2.4 kB → 96 B · 3.2× faster · verified');
    expect(rewriteHeading(finding)).toBe('equivalent rewrite');
  });

  it('never says equivalent next to not verified', () => {
    const finding = pinned(1);
    finding.rewrite = { ...finding.rewrite!, kind: 'equivalent', verified: false, check: 'not verified: over the time budget' };
    expect(rewriteHeading(finding)).toBe('suggested rewrite');
    expect(rewriteBadge(finding)).toEqual({
      tone: 'unverified',
      text: 'frees 105 MB · not verified: over the time budget',
      tooltip: '',
      check: false
    });
  });

  it('sorts worst first, then by line', () => {
    const f = (severity: string, lineno: number | null): IReportFinding => ({ category: 'c', severity, lineno, message: '', explanation: '' });
    const sorted = sortFindings([f('info', 1), f('warning', 5), f('error', 9), f('warning', 2)]);
    expect(sorted.map(x => `${x.severity}${x.lineno}`)).toEqual(['error9', 'warning2', 'warning5', 'info1']);
  });
});

describe('counts', () => {
  it('groups thousands', () => {
    expect(formatCount(9000000)).toBe('9,000,000');
    expect(formatCount(1125001)).toBe('1,125,001');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(null)).toBe('–');
  });
});
