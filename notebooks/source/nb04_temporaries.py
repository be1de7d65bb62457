"""Notebook 4: temporaries and peak memory."""

from tutorial_cells import HOW_TO_READ, SETUP, check, code, md, solution, test

TITLE = "Temporaries and peak memory"

CELLS = [
    md("""
        # 4 · Temporaries and peak memory

        `y = np.sqrt(x) * np.exp(x)` reads like one operation, but NumPy evaluates it one ufunc at
        a time, and every intermediate result is a full-size array: a **temporary**, allocated,
        used once and freed. Temporaries do not show up in your variables, yet they decide your
        **peak memory**, which is what makes a kernel die. This notebook measures them, shows the
        trick NumPy uses to avoid some (temporary elision), and the tools to avoid the rest:
        `out=`, in-place operators, chunking and `np.memmap`. About 15 minutes.

        ## Predict the output

        `a`, `b`, `c` and `d` are float64 arrays of a million elements, 8 MB each.

        ```python
        z = (a - b) * c + d
        ```

        There are three operations. How many new 8 MB buffers does this line allocate: 1, 2 or 3?
    """),
    HOW_TO_READ,
    SETUP,
    code("""
        rng = np.random.default_rng(0)
        a, b, c, d = (rng.random(1_000_000) for _ in range(4))
    """),
    code("""
        %%arrayprof
        z = (a - b) * c + d
    """),
    code("""
        report = last_report()
        print(f"allocations: {report['numpy']['allocations']}, temporaries:"
              f" {report['numpy']['temporaries']}, peak: {report['numpy']['peak_bytes']:,} bytes")
        for op in report["ops"]:
            print(f"  {op['name']:<9} in place: {op['inplace']}")
    """),
    test("""
        assert report["numpy"]["allocations"] == 1 and report["numpy"]["temporaries"] == 0
        assert report["numpy"]["peak_bytes"] == z.nbytes == 8_000_000
        assert [(op["name"], op["inplace"]) for op in report["ops"]] == [
            ("subtract", False), ("multiply", True), ("add", True)]
    """),
    md("""
        **One.** `a - b` makes a new array. Its only reference is the interpreter's stack, so when
        `* c` comes, NumPy notices that nobody else can see that array and multiplies into it
        instead of allocating another: *temporary elision*. The ops list shows it: `multiply` and
        `add` ran in place. The same chain written with function calls cannot be elided (the
        interpreter is not the one calling, so NumPy cannot prove nobody else holds the array):
    """),
    code("""
        %%arrayprof
        z = np.add(np.multiply(np.subtract(a, b), c), d)
    """),
    code("""
        report = last_report()
        print(f"allocations: {report['numpy']['allocations']}, temporaries:"
              f" {report['numpy']['temporaries']}, peak: {report['numpy']['peak_bytes']:,} bytes")
    """),
    test("""
        assert report["numpy"]["allocations"] == 3 and report["numpy"]["temporaries"] == 2
        assert report["numpy"]["peak_bytes"] == 2 * 8_000_000
    """),
    md("""
        Elision has conditions: the operand must be a temporary held by nothing else, the call
        must come straight from Python operators, and the array must be large (NumPy only bothers
        from 256 KiB up; for small arrays allocation is cheap). The same expression on slices of
        1000 elements (8 KB) allocates a temporary:
    """),
    code("""
        %%arrayprof
        small = (a[:1000] - b[:1000]) * c[:1000]
    """),
    code("""
        report = last_report()
        print(f"allocations: {report['numpy']['allocations']}, temporaries:"
              f" {report['numpy']['temporaries']}")
    """),
    test("""
        assert report["numpy"]["allocations"] == 2 and report["numpy"]["temporaries"] == 1
        assert report["numpy"]["temporary_bytes"] == 8_000
    """),
    md("""
        ## 1. Where elision stops: separate subexpressions

        Elision reuses *one* chain's buffer. An expression with two independent parts needs a
        buffer for each part before they can be combined:
    """),
    code("""
        x = rng.random(1_000_000)
    """),
    code("""
        %%arrayprof
        y = np.sqrt(x) * np.exp(x) + np.sin(x) * np.cos(x)
    """),
    code(r"""
        import re

        report = last_report()
        numbers = report["numpy"]
        print(f"result y: {y.nbytes:,} bytes; allocated {numbers['allocated_bytes']:,} bytes in"
              f" {numbers['allocations']} buffers, {numbers['temporaries']} of them temporaries")
        print(f"peak: {numbers['peak_bytes']:,} bytes ({numbers['peak_bytes'] / y.nbytes:.0f}x"
              f" the result)")
        chain = finding(report, "temporary-chain")
        print(chain["message"])
        if chain["rewrite"] is not None:  # offered because it measured faster on this machine
            tried = (chain["rewrite"]["peak_bytes_before"], chain["rewrite"]["peak_bytes_after"])
        else:  # not offered: the explanation says what the measurement showed
            tried = tuple(int(n.replace(",", "")) for n in
                          re.search(r"peak ([\d,]+) -> ([\d,]+) bytes", chain["explanation"]).groups())
        print(f"in-place rewrite tried on copies: peak {tried[0]:,} -> {tried[1]:,} bytes;"
              f" offered: {chain['rewrite'] is not None}")
    """),
    test("""
        assert numbers["allocations"] == 4 and numbers["temporaries"] == 3
        assert numbers["temporary_bytes"] == 3 * 8_000_000
        assert numbers["peak_bytes"] == 3 * 8_000_000
        assert ("temporary-chain", 1) in findings(report)
        assert tried[1] >= tried[0] == 3 * 8_000_000
    """),
    md("""
        Follow the buffers: `np.sqrt(x)` (1), `np.exp(x)` (2), the product goes into 1 and frees
        2; then `np.sin(x)` (3) and `np.cos(x)` (4) are alive together with 1, which is the peak:
        three 8 MB buffers for an 8 MB result. The product goes into 3, the sum into 1, and
        buffer 1 becomes `y`.

        arrayprof flags the line as a *temporary-chain*, and it tried an in-place rewrite on
        copies of your inputs. The rewrite's peak is no lower: written as a fresh assignment
        (`y = ...`), whole-array steps cannot beat three buffers here (`y` itself, and `sin` and
        `cos` of `x` alive at the same time). Whether arrayprof offers it then depends only on
        whether it measured faster on your machine. The next section shows when in-place steps
        do save memory.

        ## 2. `out=` and in-place operators

        Every ufunc takes `out=`, an existing array to write into; `x += 1` is `np.add(x, 1,
        out=x)`. With them you decide which buffers exist. When the result array already exists
        (filled in a loop, or reused between calls), the whole chain needs no new memory:
    """),
    code("""
        z = np.empty_like(a)
    """),
    code("""
        %%arrayprof
        np.subtract(a, b, out=z)
        np.multiply(z, c, out=z)
        z += d  # the same as np.add(z, d, out=z)
    """),
    code("""
        report = last_report()
        print(f"allocations: {report['numpy']['allocations']},"
              f" peak: {report['numpy']['peak_bytes']} bytes")
    """),
    test("""
        assert report["numpy"]["allocations"] == 0 and report["numpy"]["peak_bytes"] == 0
        assert np.allclose(z, (a - b) * c + d)
    """),
    md("""
        Writing a chain's result into an existing array with `y[:] = ...` is the opposite case:
        the right-hand side is computed into new temporaries and then *copied* into `y`. Here
        arrayprof has a rewrite to offer, and it measured it:
    """),
    code("""
        y = np.empty_like(x)
    """),
    code("""
        %%arrayprof
        y[:] = np.sqrt(x) * np.exp(x) + np.sin(x) * np.cos(x)
    """),
    code("""
        report = last_report()
        rewrite = finding(report, "temporary-chain")["rewrite"]
        print(rewrite["code"])
        print(f"verified: {rewrite['verified']}, same values: {rewrite['equal']},"
              f" peak {rewrite['peak_bytes_before']:,} -> {rewrite['peak_bytes_after']:,} bytes,"
              f" {rewrite['speedup']}x the speed")
    """),
    test("""
        assert report["numpy"]["temporaries"] == 4
        assert report["numpy"]["temporary_bytes"] == 4 * 8_000_000
        assert rewrite["kind"] == "equivalent" and rewrite["verified"] and rewrite["equal"]
        assert rewrite["code"].startswith("np.sqrt(x, out=y)")
        assert rewrite["peak_bytes_after"] < rewrite["peak_bytes_before"]
    """),
    md("""
        The rewrite computes straight into `y` and needs one helper buffer for the second
        product. Peaks are measured by running both versions, not estimated.

        ## 3. Chunking

        When even one full-size temporary is too many, process the data in pieces: the
        temporaries then have the size of a chunk, not of the array. The result is the same.
    """),
    code("""
        %%arrayprof
        y_chunked = np.empty_like(x)
        for start in range(0, len(x), 100_000):
            part = x[start:start + 100_000]
            y_chunked[start:start + 100_000] = np.sqrt(part) * np.exp(part) + np.sin(part) * np.cos(part)
    """),
    code("""
        report = last_report()
        print(f"peak: {report['numpy']['peak_bytes']:,} bytes = the result"
              f" ({y_chunked.nbytes:,}) + {(report['numpy']['peak_bytes'] - y_chunked.nbytes):,}"
              f" bytes of chunk temporaries ({part.nbytes:,} bytes each)")
        print("same values as before:", np.allclose(y_chunked, y))
    """),
    test("""
        assert report["numpy"]["peak_bytes"] == y_chunked.nbytes + 3 * part.nbytes
        assert part.nbytes == 800_000
        assert np.allclose(y_chunked, y)
        assert "temporary-chain" not in {category for category, _ in findings(report)}
    """),
    md("""
        Chunks this small also tend to stay in the CPU's caches between the steps of the
        expression, so chunking often costs little or no speed. Chunks of a few hundred
        kilobytes to a few megabytes are a good start.

        ## 4. `np.memmap`: arrays that live in a file

        Chunking pairs naturally with data that does not fit in memory at all. `np.memmap` maps a
        file into memory: indexing it reads the file, and the operating system keeps only the
        pages you touch (and may drop them again). None of the file goes through NumPy's
        allocator. Write a million float64 to a file, in chunks:
    """),
    code("""
        import os
        import tempfile

        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "readings.f8")
    """),
    code("""
        %%arrayprof
        out = np.memmap(path, dtype=np.float64, mode="w+", shape=(1_000_000,))
        for start in range(0, 1_000_000, 100_000):
            out[start:start + 100_000] = rng.standard_normal(100_000)
        out.flush()
        del out
    """),
    code("""
        report = last_report()
        print(f"file: {os.path.getsize(path):,} bytes; NumPy peak while writing it:"
              f" {report['numpy']['peak_bytes']:,} bytes")
    """),
    test("""
        assert os.path.getsize(path) == 8_000_000
        assert report["numpy"]["peak_bytes"] == 800_000  # one chunk of random numbers
        assert line_row(report, 1)["allocated_bytes"] < 64
    """),
    md("""
        Now read it back, again a chunk at a time, and compute the root mean square:
    """),
    code("""
        %%arrayprof
        readings = np.memmap(path, dtype=np.float64, mode="r")
        total = 0.0
        for start in range(0, len(readings), 100_000):
            chunk = readings[start:start + 100_000]
            total += float(np.dot(chunk, chunk))
        rms = (total / len(readings)) ** 0.5
    """),
    code("""
        report = last_report()
        print(f"readings: {readings.nbytes:,} bytes of file; NumPy allocated"
              f" {report['numpy']['allocated_bytes']:,} bytes, peak {report['numpy']['peak_bytes']}")
        print(f"readings.base is a {type(readings.base).__name__}; rms = {rms:.4f}")
    """),
    test("""
        assert report["numpy"]["peak_bytes"] < 1_000
        assert array_row(report, "readings")["is_view"]
        assert array_row(report, "readings")["base_nbytes"] == 8_000_000
        assert type(readings.base).__name__ == "mmap"
        assert abs(rms - np.sqrt(np.mean(np.fromfile(path) ** 2))) < 1e-12
    """),
    code("""
        %arrayprof explain readings
    """),
    md("""
        `np.dot(chunk, chunk)` gives the sum of squares without a temporary at all; the file's
        8 MB never passed through NumPy's allocator. (The operating system still caches the pages
        read, but it can drop them at any time: the file is their backing store.)

        ## Summary

        | tool | what it saves |
        | --- | --- |
        | let NumPy elide: one operator chain per line | temporaries of a simple chain |
        | `out=` and `+=`, `*=` | every intermediate, when a destination exists |
        | chunking | temporaries shrink to the chunk size |
        | `np.memmap` | the input itself stays on disk |

        ## Exercises

        **Exercise 1.** The Gaussian density of a million samples:

        ```python
        g = np.exp(-x**2 / 2) / np.sqrt(2 * np.pi)
        ```

        Predict how many 8 MB buffers are alive at the peak. Check with `%%arrayprof`, then
        rewrite it (several lines are fine) so that the peak is a single 8 MB buffer, the result.
    """),
    code("""
        # your answer here
    """),
    solution("""
        `x**2` allocates, the unary minus and `/ 2` are elided into it, but `np.exp(...)` is a
        function call: it allocates a second buffer while the first is alive. Peak: two 8 MB
        buffers (16 MB). The division by `np.sqrt(2 * np.pi)` is elided again.

        With `out=` and in-place operators only the result is ever allocated:

        ```python
        %%arrayprof
        g = np.square(x)
        g *= -0.5
        np.exp(g, out=g)
        g /= np.sqrt(2 * np.pi)
        ```
    """),
    check("""
        # checks the solution above
        namespace = {"np": np, "x": x}
        before = arrayprof.profile("g = np.exp(-x**2 / 2) / np.sqrt(2 * np.pi)", namespace).to_dict()
        assert 2 * x.nbytes <= before["numpy"]["peak_bytes"] < 2 * x.nbytes + 1_000
        big_ops = [(op["name"], op["inplace"]) for op in before["ops"] if op["result"]["shape"]]
        assert big_ops == [("square", False), ("negative", True), ("divide", True), ("exp", False),
                           ("divide", True)]
        g_before = namespace.pop("g")
        after = arrayprof.profile("g = np.square(x)\\ng *= -0.5\\nnp.exp(g, out=g)\\n"
                                  "g /= np.sqrt(2 * np.pi)\\n", namespace).to_dict()
        assert x.nbytes <= after["numpy"]["peak_bytes"] < x.nbytes + 1_000
        assert after["numpy"]["temporary_bytes"] < 1_000
        assert np.allclose(namespace["g"], g_before)
    """),
    md("""
        **Exercise 2.** Compute the mean and the standard deviation of the file at `path`
        without ever holding more than one chunk of it in NumPy memory. Check your peak with
        `%%arrayprof`, and your numbers against `np.fromfile(path)`.
    """),
    code("""
        # your answer here
    """),
    solution("""
        Accumulate the count, the sum and the sum of squares chunk by chunk:

        ```python
        %%arrayprof
        readings = np.memmap(path, dtype=np.float64, mode="r")
        n, s, s2 = 0, 0.0, 0.0
        for start in range(0, len(readings), 100_000):
            chunk = readings[start:start + 100_000]
            n += len(chunk)
            s += float(chunk.sum())
            s2 += float(np.dot(chunk, chunk))
        mean = s / n
        std = (s2 / n - mean ** 2) ** 0.5
        ```

        (For data with a large mean relative to its spread, `s2 / n - mean ** 2` loses precision;
        Welford's algorithm, or a second pass that sums `(chunk - mean) ** 2`, is more robust.)
    """),
    check("""
        # checks the solution above
        namespace = {"np": np, "path": path}
        exercise = arrayprof.profile('''
        readings = np.memmap(path, dtype=np.float64, mode="r")
        n, s, s2 = 0, 0.0, 0.0
        for start in range(0, len(readings), 100_000):
            chunk = readings[start:start + 100_000]
            n += len(chunk)
            s += float(chunk.sum())
            s2 += float(np.dot(chunk, chunk))
        mean = s / n
        std = (s2 / n - mean ** 2) ** 0.5
        '''.strip(), namespace).to_dict()
        assert exercise["error"] is None
        assert exercise["numpy"]["peak_bytes"] < 800_000
        data = np.fromfile(path)
        assert abs(namespace["mean"] - data.mean()) < 1e-12
        assert abs(namespace["std"] - data.std()) < 1e-9
    """),
    code("""
        import shutil

        del readings
        shutil.rmtree(folder)  # tidy up the temporary file
    """),
    md("""
        **Next:** [5 · Loops to vectorized code](05_loops_to_vectorized.ipynb).
    """),
]
