/**
 * What the panel says about a finding's rewrite, the same way the notebook report does
 * (arrayprof/render/common.py, `rewrite_info`): the gain first, in the finding's own figure
 * ("frees 105 MB"), then its cost; a slower rewrite is amber, never green; the comparison's
 * tolerances go to the tooltip; "equivalent" only when verification said so.  Pure (tested in node).
 */
import { formatBytes } from './format';
import { IReportFinding } from './protocol';

/** The peak is drawn as an alarm only from this size on (the notebook report's threshold). */
export const PEAK_ALERT_BYTES = 10_000_000;

export interface IBadge {
  tone: 'good' | 'tradeoff' | 'unverified';
  text: string;
  tooltip: string;
  check: boolean;
}

const UNITS: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

/** The largest byte figure a message quotes, as written: "105 MB" in "view b (80 B) keeps a 105 MB base alive". */
export function largestBytes(text: string): string | null {
  let best: [number, string] | null = null;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?) (B|kB|MB|GB|TB)\b/g)) {
    const value = Number(m[1]) * UNITS[m[2]];
    if (best === null || value > best[0]) {
      best = [value, `${m[1]} ${m[2]}`];
    }
  }
  return best === null ? null : best[1];
}

/** The gain the finding is about: "frees 105 MB", "peak 2.4 kB → 96 B", or "". */
export function findingBenefit(finding: IReportFinding): string {
  const rw = finding.rewrite;
  const message = String(finding.message ?? '');
  if (['view-pins-base', 'pinned-by-container'].includes(finding.category) || message.includes('alive')) {
    const figure = largestBytes(message);
    if (figure) {
      return `frees ${figure}`;
    }
  }
  const before = rw?.peak_bytes_before;
  const after = rw?.peak_bytes_after;
  if (typeof before === 'number' && typeof after === 'number' && after < before) {
    return `peak ${formatBytes(before)} → ${formatBytes(after)}`;
  }
  return '';
}

/** "3.2× faster", "2.5× slower" (three significant digits, thousands grouped from 100). */
function speedText(speedup: number): string {
  const factor = speedup >= 1 ? speedup : 1 / speedup;
  const text = factor >= 100 ? Math.round(factor).toLocaleString('en-US') : String(Number(factor.toPrecision(3)));
  return `${text}× ${speedup >= 1 ? 'faster' : 'slower'}`;
}

export function rewriteBadge(finding: IReportFinding): IBadge | null {
  const rw = finding.rewrite;
  if (!rw || typeof rw.code !== 'string') {
    return null;
  }
  const benefit = findingBenefit(finding);
  if (!rw.verified) {
    let why = String(rw.check ?? '');
    if (why.toLowerCase().startsWith('not verified')) {
      why = why.slice('not verified'.length).replace(/^[\s:]+/, '');
    }
    const text = [benefit, 'not verified' + (why ? `: ${why}` : '')].filter(Boolean).join(' · ');
    return { tone: 'unverified', text, tooltip: '', check: false };
  }
  const parts = benefit ? [benefit] : [];
  let slower = false;
  if (typeof rw.speedup === 'number' && rw.speedup > 0) {
    slower = rw.speedup < 1 && 1 / rw.speedup >= 1.05;
    parts.push(speedText(rw.speedup));
  }
  const before = rw.peak_bytes_before;
  const after = rw.peak_bytes_after;
  const higher = typeof before === 'number' && typeof after === 'number' && after > before && !benefit.startsWith('frees');
  if (higher) {
    parts.push(`peak ${formatBytes(before)} → ${formatBytes(after)}`);
  }
  parts.push(rw.kind === 'fix' && rw.equal === false ? 'verified fix' : 'verified');
  return {
    tone: slower || higher ? 'tradeoff' : 'good',
    text: parts.join(' · '),
    tooltip: rw.check ? `compared: ${rw.check}` : '',
    check: true
  };
}

/** "equivalent rewrite" only when verified; "suggested rewrite" otherwise; "fix" for fixes. */
export function rewriteHeading(finding: IReportFinding): string {
  const rw = finding.rewrite;
  if (!rw) {
    return '';
  }
  if (rw.kind === 'fix') {
    return 'fix';
  }
  return rw.verified ? 'equivalent rewrite' : 'suggested rewrite';
}

const SEVERITY: Record<string, number> = { error: 0, warning: 1, info: 2 };

/** Worst first, then in line order (as the notebook report lists them). */
export function sortFindings(findings: IReportFinding[]): IReportFinding[] {
  return findings
    .slice()
    .sort(
      (a, b) =>
        (SEVERITY[a.severity] ?? 3) - (SEVERITY[b.severity] ?? 3) ||
        (typeof a.lineno === 'number' ? a.lineno : 0) - (typeof b.lineno === 'number' ? b.lineno : 0)
    );
}
