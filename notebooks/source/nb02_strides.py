"""Notebook 2: strides and memory order."""

from tutorial_cells import HOW_TO_READ, SETUP, check, code, md, solution, test

TITLE = "Strides and memory order"

CELLS = [
    md("""
        # 2 · Strides and memory order

        Every NumPy array is a flat block of bytes plus a recipe for reading it as a grid. The
        recipe's key ingredient is the *strides*: how many bytes to step to reach the next element
        along each axis. Strides explain why slicing is free, what a transpose really does, why
        C and Fortran order exist, and why the same loop can be fast along rows and slow along
        columns. About 15 minutes.

        ## Predict the output

        ```python
        a = np.arange(16, dtype=np.float32).reshape(4, 4)
        b = a[::2, ::2]
        b.strides
        ```

        `a` holds 16 float32 numbers (4 bytes each), row after row. `b` takes every second row
        and every second column. What are `b`'s strides, in bytes?
    """),
    HOW_TO_READ,
    SETUP,
    code("""
        %%arrayprof
        a = np.arange(16, dtype=np.float32).reshape(4, 4)
        b = a[::2, ::2]
        b.strides
    """),
    md("""
        `(32, 8)`. One row of `a` is 4 floats of 4 bytes, 16 bytes; skipping every other row
        steps 32 bytes. Along a row, skipping every other float steps 8 bytes. `b` allocated
        nothing: the only buffer the cell made is `arange`'s 64 bytes, and `b` is a view of `a`
        (look at the report's *Arrays* list). `%arrayprof explain` draws which elements of the
        buffer `b` reads:
    """),
    code("""
        %arrayprof explain b
    """),
    code("""
        report = last_report()
        row = array_row(report, "b")
        print(f"b: strides {row['strides']}, view of {row['base']}, {row['nbytes']} bytes of data")
        print(f"bytes the cell allocated: {report['numpy']['allocated_bytes']}")
    """),
    test("""
        assert b.strides == (32, 8)
        assert row["strides"] == [32, 8] and row["is_view"] and row["base"] == "a"
        assert report["numpy"]["allocated_bytes"] == 64
        assert not row["c_contiguous"] and not row["f_contiguous"]
        assert array_row(report, "a")["is_view"] and array_row(report, "a")["base"] is None
    """),
    md("""
        (`a` itself is a view too: `reshape` gave `arange`'s buffer a 4 x 4 recipe. That buffer
        has no name, so the report lists `a` as a view with no named base.)

        ## 1. The formula

        The element at index `(i, j)` lives at byte offset `i * strides[0] + j * strides[1]` from
        the array's start. For `b[1, 1]`: `1 * 32 + 1 * 8 = 40` bytes, which is float number 10 of
        the buffer.
    """),
    code("""
        i, j = 1, 1
        offset = i * b.strides[0] + j * b.strides[1]
        print(f"b[{i}, {j}] is at byte {offset}, element {offset // b.itemsize} of the buffer;"
              f" b[{i}, {j}] = {b[i, j]}")
    """),
    test("""
        assert offset == 40 and b[1, 1] == a.ravel()[10] == 10.0
    """),
    md("""
        Every basic slice, transpose or reshape that NumPy can express by changing the shape,
        the strides and the starting point is a view; that is the whole trick behind notebook 1.

        ## 2. C order, Fortran order and transposes

        A 3 x 4 matrix can be laid out row after row (**C order**, NumPy's default: the last index
        moves fastest) or column after column (**Fortran order**, `order="F"`: the first index
        moves fastest). Same values, same shape, different strides. A transpose swaps the strides,
        so the transpose of a C-ordered array *is* a Fortran-ordered view of the same memory.
    """),
    code("""
        %%arrayprof
        c = np.zeros((3, 4), dtype=np.float32)
        f = np.zeros((3, 4), dtype=np.float32, order="F")
        t = c.T
    """),
    code("""
        report = last_report()
        for name in ["c", "f", "t"]:
            row = array_row(report, name)
            order = "C" if row["c_contiguous"] else "Fortran" if row["f_contiguous"] else "neither"
            view = f", view of {row['base']}" if row["is_view"] else ""
            print(f"{name}: shape {row['shape']}, strides {row['strides']}, {order} order{view}")
    """),
    test("""
        assert array_row(report, "c")["strides"] == [16, 4] and array_row(report, "c")["c_contiguous"]
        assert array_row(report, "f")["strides"] == [4, 12] and array_row(report, "f")["f_contiguous"]
        rt = array_row(report, "t")
        assert rt["strides"] == [4, 16] and rt["f_contiguous"] and not rt["c_contiguous"]
        assert rt["is_view"] and rt["base"] == "c"
        assert line_row(report, 3)["allocations"] == 0
    """),
    md("""
        The transpose allocated nothing (0 bytes on line 3). Operations that
        need a particular order copy when they have to: `np.ascontiguousarray(t)` makes a C-ordered
        copy, and so does `t.ravel()`.

        ## 3. Strided slices and cache lines

        Memory reaches the CPU in **cache lines** of 64 bytes, never one number at a time. Reading
        one float64 costs the same as reading the 8 around it, so the question for speed is how
        many cache lines an array's elements sit on. arrayprof counts them from the real
        addresses (`cache_lines` in its *Arrays* list), alongside the *span* (bytes from the first
        to the last element) and the *utilization* (data bytes / span).

        Take a 2000 x 2000 float64 matrix in C order. A row is 2000 neighbouring floats; a column
        is 2000 floats, each one row (16,000 bytes) away from the next.
    """),
    code("""
        %%arrayprof
        rng = np.random.default_rng(9)
        M = rng.random((2000, 2000))
        row0 = M[0]
    """),
    code("""
        %%arrayprof
        col0 = M[:, 0]
    """),
    code("""
        report_row, report_col = arrayprof.history()[-2].to_dict(), last_report()
        row_facts, col_facts = array_row(report_row, "row0"), array_row(report_col, "col0")
        for name, facts in [("row0", row_facts), ("col0", col_facts)]:
            print(f"{name}: {facts['nbytes']:,} bytes of data, span {facts['span_bytes']:,} bytes,"
                  f" utilization {facts['utilization']:.4f}, on {facts['cache_lines']:,} cache lines")
        ratio = col_facts["cache_lines"] / row_facts["cache_lines"]
        print(f"the column needs {ratio:.1f}x as many cache lines as the row")
    """),
    test("""
        assert row_facts["nbytes"] == col_facts["nbytes"] == 16_000
        assert row_facts["span_bytes"] == 16_000 and row_facts["cache_lines"] in (250, 251)
        assert col_facts["strides"] == [16_000]
        assert col_facts["span_bytes"] == 1999 * 16_000 + 8
        assert col_facts["cache_lines"] == 2000
        assert col_facts["base"] == "M" and row_facts["base"] == "M"
        assert round(ratio) == 8
    """),
    md("""
        Same number of bytes, but the column's elements sit on about eight times as many cache
        lines as the row's (printed above): reading the column drags 64 bytes through the memory
        system for every 8 it uses. (A row's 16,000 bytes fill 250 lines when it starts on a line
        boundary and 251 when it does not.)
    """),
    code("""
        %arrayprof explain col0
    """),
    md("""
        ## 4. Why a column loop on a C array is slow

        Summing each column in a Python loop reads `M[:, j]` 2000 times: every pass touches 2000
        cache lines to use one float from each. The same loop over rows streams through memory.
        Profile both:
    """),
    code("""
        %%arrayprof
        col_sums = np.empty(2000)
        for j in range(2000):
            col_sums[j] = M[:, j].sum()
    """),
    code("""
        column_report = last_report()
        for advice in column_report["findings"]:
            rewrite = advice["rewrite"]
            print(f"[{advice['severity']}] {advice['category']} on line {advice['lineno']}: "
                  f"{advice['message']}")
            if rewrite:
                print(f"    rewrite: {rewrite['code']!r}, verified={rewrite['verified']},"
                      f" measured {rewrite['speedup']}x faster")
    """),
    test("""
        assert {("python-loop", 2), ("non-contiguous", 3)} <= findings(column_report)
        rewrites = [f["rewrite"] for f in column_report["findings"] if f["rewrite"]]
        assert rewrites and all(r["code"] == "col_sums[:] = M.sum(axis=0)" for r in rewrites)
        assert all(r["verified"] and r["equal"] and r["speedup"] > 1 for r in rewrites)
    """),
    code("""
        %%arrayprof
        row_sums = np.empty(2000)
        for i in range(2000):
            row_sums[i] = M[i, :].sum()
    """),
    code("""
        row_report = last_report()
        print(f"column loop: {column_report['wall_s'] * 1e3:.1f} ms,"
              f" row loop: {row_report['wall_s'] * 1e3:.1f} ms"
              f" ({column_report['wall_s'] / row_report['wall_s']:.1f}x) on this machine")
        print("advice on the row loop:", sorted(findings(row_report)))
    """),
    test("""
        categories = {category for category, _ in findings(row_report)}
        assert "non-contiguous" not in categories and "python-loop" in categories
    """),
    md("""
        Both loops do the same arithmetic; the difference in time is cache lines (how big it is
        depends on your machine's caches). arrayprof flags only the column loop as
        *non-contiguous*, and both as *python-loop*, because one call does the whole job without
        a loop: `M.sum(axis=0)` walks the matrix in memory order whichever axis it reduces.

        The rules of thumb:

        - Loop (if you must loop) over the **first** axis of a C-ordered array, so each pass
          reads contiguous memory.
        - Prefer one reduction with `axis=` over a loop of small reductions.
        - If you need many passes over columns, pay for one `np.asfortranarray(M)` copy first.

        ## 5. `sliding_window_view` and `as_strided`

        Strides can do more than skip elements: they can *repeat* them. A stride of 0 repeats the
        same bytes along an axis, and a stride smaller than a row's size makes rows overlap.
        `numpy.lib.stride_tricks.sliding_window_view` uses this to give every window of a signal
        without copying anything.
    """),
    code("""
        from numpy.lib.stride_tricks import as_strided, sliding_window_view
    """),
    code("""
        %%arrayprof
        x = np.arange(8.0)
        windows = sliding_window_view(x, 3)
    """),
    code("""
        report = last_report()
        facts = array_row(report, "windows")
        print(f"windows: shape {facts['shape']}, strides {facts['strides']}, view of {facts['base']}")
        print(f"nbytes says {facts['nbytes']} bytes, but the span is {facts['span_bytes']} bytes:"
              f" utilization {facts['utilization']} (each element appears several times)")
        print("writeable:", facts["writeable"])
    """),
    test("""
        assert facts["shape"] == [6, 3] and facts["strides"] == [8, 8]
        assert facts["is_view"] and facts["base"] == "x"
        assert facts["nbytes"] == 144 and facts["span_bytes"] == 64 and facts["utilization"] == 2.25
        assert not facts["writeable"]
        assert line_row(report, 2)["allocated_bytes"] < 64  # small bookkeeping, no data copied
    """),
    code("""
        %arrayprof explain windows
    """),
    md("""
        So `.nbytes` (shape times item size) can be far larger than the memory behind a view. A
        moving average over a million samples needs no 5-times-larger array; only the result is
        allocated:
    """),
    code("""
        %%arrayprof
        signal = rng.standard_normal(1_000_000)
        smooth = sliding_window_view(signal, 5).mean(axis=1)
    """),
    code("""
        report = last_report()
        line = line_row(report, 2)
        print(f"windows would be {sliding_window_view(signal, 5).nbytes:,} bytes if copied;"
              f" line 2 kept {line['allocated_bytes'] - line['temporary_bytes']:,} bytes"
              f" (smooth is {smooth.nbytes:,})")
    """),
    test("""
        assert line["allocated_bytes"] - line["temporary_bytes"] == smooth.nbytes
        assert line["allocated_bytes"] < 2 * smooth.nbytes
        assert np.allclose(smooth[:3], [signal[k:k + 5].mean() for k in range(3)])
    """),
    md("""
        `as_strided` is the raw tool underneath: you give any shape and strides, and NumPy trusts
        you. Here a stride of 0 repeats `x` as four rows without copying:
    """),
    code("""
        %%arrayprof
        rows = as_strided(x, shape=(4, 8), strides=(0, 8))
    """),
    code("""
        facts = array_row(last_report(), "rows")
        print(f"rows: strides {facts['strides']}, span {facts['span_bytes']} bytes,"
              f" utilization {facts['utilization']}, writeable {facts['writeable']}")
    """),
    test("""
        assert facts["strides"] == [0, 8] and facts["span_bytes"] == 64
        assert facts["utilization"] == 4.0 and facts["writeable"] and facts["base"] == "x"
    """),
    md("""
        Two warnings. `as_strided` checks nothing: a wrong stride reads memory outside the
        array (garbage, or a crash). And its result is writeable: `rows[0, 0] = 5` writes `x[0]`,
        which all four rows share. Prefer `sliding_window_view` and `np.broadcast_to`, which build
        the same views read-only and with the arithmetic done for you.

        ## Exercises

        **Exercise 1.** Predict the strides of each array, then check with `%%arrayprof` (the
        *Arrays* list) or `.strides`:

        ```python
        z = np.zeros((5, 6), dtype=np.int16)
        z_t = z.T
        z_cols = z[:, ::3]
        z_flip = z[::-1]
        z_row = z[1]
        z_col = z[:, 1]
        ```
    """),
    code("""
        # your answer here
    """),
    solution("""
        An int16 is 2 bytes and a row of 6 is 12 bytes.

        | array | strides |
        | --- | --- |
        | `z` | `(12, 2)` |
        | `z.T` | `(2, 12)`: swapped |
        | `z[:, ::3]` | `(12, 6)`: every third column is 3 x 2 bytes |
        | `z[::-1]` | `(-12, 2)`: rows walked backwards |
        | `z[1]` | `(2,)` |
        | `z[:, 1]` | `(12,)`: one element per row |
    """),
    check("""
        # checks the solution above
        exercise = arrayprof.profile(
            "z = np.zeros((5, 6), dtype=np.int16)\\nz_t = z.T\\nz_cols = z[:, ::3]\\n"
            "z_flip = z[::-1]\\nz_row = z[1]\\nz_col = z[:, 1]\\n", {"np": np}).to_dict()
        expected = {"z": [12, 2], "z_t": [2, 12], "z_cols": [12, 6], "z_flip": [-12, 2],
                    "z_row": [2], "z_col": [12]}
        assert {row["name"]: row["strides"] for row in exercise["arrays"]} == expected
    """),
    md("""
        **Exercise 2.** `column_means` below averages each column of a C-ordered image with a
        loop. Profile it, read arrayprof's advice, and write a version that does the same work
        without reading against the memory order.
    """),
    code("""
        image = rng.random((1500, 1500))


        def column_means(img):
            out = np.empty(img.shape[1])
            for j in range(img.shape[1]):
                out[j] = img[:, j].mean()
            return out
    """),
    code("""
        # your answer here
    """),
    solution("""
        arrayprof flags the loop (*python-loop*, *non-contiguous*: each `img[:, j]` is a strided
        column). One reduction along axis 0 does the whole job in memory order:

        ```python
        %%arrayprof
        means = image.mean(axis=0)
        ```

        If the loop has to stay (say each column needs a Python call), make the columns
        contiguous once, then loop: `image_f = np.asfortranarray(image)` costs one copy, after
        which every `image_f[:, j]` is contiguous.
    """),
    check("""
        # checks the solution above
        namespace = {"np": np, "image": image, "column_means": column_means}
        slow = arrayprof.profile(
            "out = np.empty(image.shape[1])\\nfor j in range(image.shape[1]):\\n"
            "    out[j] = image[:, j].mean()\\n", namespace).to_dict()
        assert ("non-contiguous", 3) in findings(slow)
        fast = arrayprof.profile("means = image.mean(axis=0)", namespace).to_dict()
        assert not findings(fast)
        assert np.allclose(namespace["means"], column_means(image))
        image_f = np.asfortranarray(image)
        assert image_f[:, 0].flags.c_contiguous and not image[:, 0].flags.c_contiguous
    """),
    md("""
        **Next:** [3 · Broadcasting](03_broadcasting.ipynb) uses zero strides to combine arrays of
        different shapes.
    """),
]
