/** Reading the answer to the bootstrap `%load_ext arrayprof` (pure, tested in node). */

/** What a bootstrap error means: arrayprof missing in the kernel, or something else. */
export function classifyBootstrapError(ename: string, evalue: string): 'not-installed' | 'error' {
  if (
    (ename === 'ModuleNotFoundError' || ename === 'ImportError') &&
    /\barrayprof\b/.test(evalue)
  ) {
    return 'not-installed';
  }
  return 'error';
}
