/**
 * Small formatting helpers shared by the views (pure, tested in node).  Units are arrayprof's own
 * (arrayprof/units.py): decimal bytes as NumPy users quote sizes, so the panel, the notebook
 * widget and the text report print the same figure the same way.
 */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** 1234567 -> "1.23 MB"; three significant digits below 100, none above; bytes exact. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) {
    return '–';
  }
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  for (let unit = 0; unit < UNITS.length; unit++) {
    if (value < 1000 || unit === UNITS.length - 1) {
      if (unit === 0) {
        return `${sign}${Math.trunc(value)} B`;
      }
      const text = value < 100 ? String(Number(value.toPrecision(3))) : value.toFixed(0);
      return `${sign}${text} ${UNITS[unit]}`;
    }
    value /= 1000;
  }
  return `${sign}${value.toFixed(0)} TB`;
}

/** Seconds as arrayprof prints them: µs below a millisecond, ms below a second. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '–';
  }
  if (seconds < 1e-3) {
    return `${(seconds * 1e6).toFixed(0)} µs`;
  }
  if (seconds < 1) {
    return `${(seconds * 1e3).toFixed(1)} ms`;
  }
  return `${seconds.toFixed(2)} s`;
}

/** [4, 4] -> "(4, 4)"; [3] -> "(3,)"; [] -> "()". */
export function formatShape(shape: number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** "1 buffer", "2 buffers". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A history row's findings count: '' for none, '…' while not computed yet (null). */
export function formatFindings(findings: number | null): string {
  if (findings === null) {
    return '…';
  }
  return findings ? formatCount(findings) : '';
}

/** A count with thousands grouped: 9000000 -> "9,000,000". */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) {
    return '–';
  }
  return n.toLocaleString('en-US');
}
