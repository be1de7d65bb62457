"""Notebook 1: views and copies."""

from tutorial_cells import HOW_TO_READ, SETUP, check, code, md, solution, test

TITLE = "Views and copies"

CELLS = [
    md("""
        # 1 · Views and copies

        Two NumPy expressions can look almost the same and cost completely different amounts of
        memory: `a[1:4]` allocates nothing, `a[[1, 2, 3]]` allocates a new array. In this notebook
        you will learn the rule behind that, see what `.base` and `OWNDATA` tell you, watch a
        write travel through a view, find a 40-byte view that keeps megabytes alive, and decide
        when `.copy()` is the right call. About 15 minutes.

        ## Predict the output

        ```python
        a = np.arange(6)
        b = a[1:4]
        c = a[[1, 2, 3]]
        b[0] = 100
        c[1] = 200
        print(a)
        ```

        `b` and `c` hold the same three numbers. What does `print(a)` show? Write your guess down,
        then run the next two cells.
    """),
    HOW_TO_READ,
    SETUP,
    code("""
        %%arrayprof
        a = np.arange(6)
        b = a[1:4]
        c = a[[1, 2, 3]]
        b[0] = 100
        c[1] = 200
        print(a)
    """),
    md("""
        The `100` written into `b` shows up in `a`; the `200` written into `c` does not. `b` is a
        **view**: a new array object that describes part of `a`'s memory, so writing to it writes
        to `a`. `c` is a **copy**: fancy indexing with a list built a new array with its own
        memory.

        The report says the same in its *Arrays* list (each array the cell bound: is it a view,
        and of which named array) and in its *Lines* table: line 2 allocated nothing, line 3
        allocated a buffer. It says nothing about line 4, although writing through `b` changes
        `a`: the cell reads `a` again afterwards (line 6), so arrayprof takes the write for the
        update of `a` it was meant to be (a `.copy()` would silently stop it). When a view was
        meant to be independent, the same write is a classic bug; section 3 shows what arrayprof
        says when it cannot tell which.
    """),
    code("""
        report = last_report()
        for name in ["b", "c"]:
            row = array_row(report, name)
            print(f"{name}: view={row['is_view']}, base={row['base']}, {row['nbytes']} bytes")
        for lineno in [2, 3]:
            print(f"line {lineno} allocated {line_row(report, lineno)['allocated_bytes']} bytes")
        print("advice:", sorted(findings(report)))
    """),
    test("""
        assert a.tolist() == [0, 100, 2, 3, 4, 5]
        assert array_row(report, "b")["is_view"] and array_row(report, "b")["base"] == "a"
        assert not array_row(report, "c")["is_view"] and array_row(report, "c")["base"] is None
        assert line_row(report, 2)["allocations"] == 0
        assert line_row(report, 3)["allocated_bytes"] >= c.nbytes
        assert ("view-mutation", 4) not in findings(report)
    """),
    md("""
        ## 1. Basic slicing makes views

        An array is a pointer to a block of memory plus a recipe to read it: a shape, a dtype and
        *strides* (how many bytes to step along each axis; notebook 2 is all about them). **Basic
        indexing** (integers, slices `start:stop:step`, `None`, `...`) only changes the recipe, so
        it returns a view in constant time, whatever the size of the array.

        Let's make an array of a million prices (8 MB of float64) and take three slices of it.
    """),
    code("""
        %%arrayprof
        rng = np.random.default_rng(0)
        prices = rng.random(1_000_000)
        window = prices[1000:2000]
        flipped = prices[::-1]
        last_week = prices[-7:]
    """),
    code("""
        report = last_report()
        print(f"line 2 allocated {line_row(report, 2)['allocated_bytes']:,} bytes (prices)")
        for lineno, name in [(3, "window"), (4, "flipped"), (5, "last_week")]:
            row = array_row(report, name)
            print(f"line {lineno}: {line_row(report, lineno)['allocated_bytes']} bytes allocated;"
                  f" {name} is a view of {row['base']} and keeps its "
                  f"{row['base_nbytes']:,}-byte buffer alive")
    """),
    test("""
        assert line_row(report, 2)["allocated_bytes"] == prices.nbytes == 8_000_000
        for lineno, name in [(3, "window"), (4, "flipped"), (5, "last_week")]:
            assert line_row(report, lineno)["allocations"] == 0
            row = array_row(report, name)
            assert row["is_view"] and row["base"] == "prices"
            assert row["base_nbytes"] == prices.nbytes
        assert array_row(report, "flipped")["strides"] == [-8]
    """),
    md("""
        Even `prices[::-1]` is free: reversing only flips the sign of the stride (the report lists
        `flipped` with strides `[-8]`).

        ### `.base` and `OWNDATA`

        Two attributes tell views and owners apart. `arr.base` is the array whose memory `arr`
        borrows (`None` for an owner), and `arr.flags.owndata` says whether `arr` allocated its own
        buffer. A view of a view points straight at the owner.
    """),
    code("""
        print("window.base is prices:       ", window.base is prices)
        print("window[10:20].base is prices:", window[10:20].base is prices)
        print("prices.flags.owndata:        ", prices.flags.owndata)
        print("window.flags.owndata:        ", window.flags.owndata)
        print("np.shares_memory(window, prices):", np.shares_memory(window, prices))
    """),
    test("""
        assert window.base is prices and window[10:20].base is prices
        assert prices.flags.owndata and not window.flags.owndata
    """),
    md("""
        `%arrayprof explain` puts the same facts into words: what the array is a view of, how much
        memory it keeps alive, how it is laid out, and which operations on it would copy.
    """),
    code("""
        %arrayprof explain window
    """),
    md("""
        ## 2. Fancy and boolean indexing make copies

        Index with an array or a list (*fancy indexing*) or with a boolean mask, and NumPy has to
        gather elements from arbitrary places. No stride recipe can describe that, so the result
        is always a new array with its own memory, even when you select a single element or every
        element.

        A boolean mask costs twice: the comparison `prices < 0.01` first builds a mask with one
        byte per element, then indexing builds the result. The mask is a *temporary*: allocated
        and freed within the line.
    """),
    code("""
        %%arrayprof
        picked = prices[[3, 1, 4, 1, 5]]
        cheap = prices[prices < 0.01]
    """),
    code("""
        report = last_report()
        line = line_row(report, 2)
        print(f"picked: view={array_row(report, 'picked')['is_view']}, {picked.nbytes} bytes")
        print(f"cheap: view={array_row(report, 'cheap')['is_view']}, {cheap.size:,} elements,"
              f" {cheap.nbytes:,} bytes")
        print(f"line 2 allocated {line['allocated_bytes']:,} bytes, of which "
              f"{line['temporary_bytes']:,} in {line['temporaries']} temporaries "
              f"(the mask is {prices.size:,} bytes)")
    """),
    test("""
        assert not array_row(report, "picked")["is_view"]
        assert not array_row(report, "cheap")["is_view"]
        assert line_row(report, 1)["allocated_bytes"] >= picked.nbytes
        line = line_row(report, 2)
        assert line["temporary_bytes"] >= prices.size  # the boolean mask, one byte per element
        assert line["allocated_bytes"] - line["temporary_bytes"] == cheap.nbytes
        assert not np.shares_memory(cheap, prices)
    """),
    md("""
        The rule of thumb:

        | you write | you get |
        | --- | --- |
        | `a[3]`, `a[2:5]`, `a[::2]`, `a[::-1]`, `a[None]`, `a[..., 0]` | a view |
        | `a.T`, `a.reshape(...)` and `a.ravel()` when the memory order allows | a view |
        | `a[[0, 2]]`, `a[a > 0]`, `np.take(a, idx)` | a copy |
        | `a.copy()`, `np.array(a)`, `a.flatten()`, `a.astype(other_dtype)` | a copy |

        "When the memory order allows" matters: a reshape or ravel that cannot be expressed with
        strides silently copies. The cell below profiles a few of these on a small matrix; read
        the *allocated* column of the *Lines* table.
    """),
    code("""
        %%arrayprof
        m = np.arange(12.0).reshape(3, 4).copy()
        r1 = m.ravel()
        r2 = m.T.ravel()
        r3 = m[:, ::2]
        r4 = m.reshape(4, 3)
        r5 = m.flatten()
        r6 = m[[0, 2]]
    """),
    code("""
        report = last_report()
        for lineno, name in enumerate(["r1", "r2", "r3", "r4", "r5", "r6"], start=2):
            row = array_row(report, name)
            kind = f"view of {row['base']}" if row["is_view"] else "copy"
            print(f"{report['source'].splitlines()[lineno - 1]:<20} {kind:<10}"
                  f" {line_row(report, lineno)['allocated_bytes']:>3} bytes allocated")
    """),
    test("""
        expected = {"r1": True, "r2": False, "r3": True, "r4": True, "r5": False, "r6": False}
        for lineno, (name, is_view) in enumerate(expected.items(), start=2):
            row = array_row(report, name)
            assert row["is_view"] == is_view, name
            assert (line_row(report, lineno)["allocations"] == 0) == is_view, name
            if is_view:
                assert row["base"] == "m", name
        advice = finding(report, "unexpected-copy")
        assert advice["lineno"] == 7 and advice["severity"] == "info"
        assert advice["rewrite"]["code"] == "r6 = m[0:4:2]" and advice["rewrite"]["equal"]
    """),
    md("""
        `m.T.ravel()` copies because the transpose walks `m`'s memory column by column, and a
        flat array with one stride cannot do that. arrayprof also noticed that `m[[0, 2]]` selects
        evenly spaced rows, which the slice `m[0:4:2]` gets as a view, and says so in an *info*
        finding (*info*: worth knowing, too small to matter here).

        ## 3. Writes through views

        Because a view shares memory, writing to it writes to the original. That is useful
        (`a[a < 0] = 0` cleans an array in place) and a common source of bugs: a function gets
        `prices[:5]`, "normalises" it in place, and the caller's data has changed.
    """),
    code("""
        %%arrayprof
        head = prices[:5]
        total_before = prices.sum()
        head[:] = 0.0
    """),
    code("""
        report = last_report()
        advice = finding(report, "view-mutation")
        total_after = prices.sum()
        print(f"prices.sum() before: {total_before:.4f}, after: {total_after:.4f}")
        print(f"[{advice['severity']}] line {advice['lineno']}: {advice['message']}")
        print("fix offered:", advice["rewrite"])
    """),
    test("""
        assert total_after < total_before
        assert ("view-mutation", 3) in findings(report)
        assert advice["severity"] == "info" and advice["rewrite"] is None
    """),
    md("""
        arrayprof explains the write at *info* level and offers no fix: the cell read `prices`
        before the write and not after, so nothing tells whether changing `prices` was wanted.
        Had the cell gone on to use `prices` as updated (a time step, a stencil,
        `flat = Z.ravel(); flat[i] = 0`), a `.copy()` would silently stop the update. If `head`
        was meant to be independent, take `prices[:5].copy()` when you make it.

        ## 4. A tiny view keeps a big array alive

        A view holds a reference to its base, so as long as the view lives, the whole base buffer
        lives too. Load a big array, keep five numbers of it as a view, drop the big name: the
        memory is not given back.
    """),
    code("""
        %%arrayprof
        big = rng.random(2_000_000)
        head_view = big[:5]
        del big
    """),
    code("""
        report = last_report()
        row = array_row(report, "head_view")
        print(f"head_view: {row['nbytes']} bytes of data, keeps a {row['base_nbytes']:,}-byte"
              f" buffer alive")
        print(f"NumPy memory freed by the cell: {report['numpy']['freed_bytes']:,} bytes;"
              f" still held: {report['numpy']['net_bytes']:,} bytes")
        print(finding(report, "view-pins-base")["message"])
    """),
    test("""
        assert row["is_view"] and row["nbytes"] == 40 and row["base_nbytes"] == 16_000_000
        assert report["numpy"]["freed_bytes"] == 0
        assert report["numpy"]["net_bytes"] == 16_000_000
        assert ("view-pins-base", 2) in findings(report)
    """),
    md("""
        `.copy()` fixes it: the five numbers move to their own 40-byte buffer, and when `big` goes,
        its 16 MB go with it.
    """),
    code("""
        %%arrayprof
        big = rng.random(2_000_000)
        head_copy = big[:5].copy()
        del big
    """),
    code("""
        report = last_report()
        print(f"freed by the cell: {report['numpy']['freed_bytes']:,} bytes;"
              f" still held: {report['numpy']['net_bytes']:,} bytes")
        print("head_copy is a view:", array_row(report, "head_copy")["is_view"])
    """),
    test("""
        assert report["numpy"]["freed_bytes"] == 16_000_000
        assert report["numpy"]["net_bytes"] == head_copy.nbytes == 40
        assert not array_row(report, "head_copy")["is_view"]
        assert "view-pins-base" not in {category for category, _ in findings(report)}
    """),
    md("""
        And the 16 MB that `head_view` pins? Deleting the 40-byte view releases them.
        `%arrayprof STATEMENT` profiles a single statement:
    """),
    code("""
        %arrayprof del head_view
    """),
    code("""
        print(f"del head_view freed {last_report()['numpy']['freed_bytes']:,} bytes")
    """),
    test("""
        assert last_report()["numpy"]["freed_bytes"] == 16_000_000
    """),
    md("""
        ## When to copy

        - **Keep a view** when you only read, or when writing through to the original is what you
          want: views are free.
        - **Copy** a small piece you keep from a big array you are done with (section 4), and
          before modifying data that someone else still uses (section 3).
        - **Don't copy "to be safe"** in a loop or on big arrays: every copy is a full pass over
          memory and a new buffer.

        ## Exercises

        **Exercise 1.** For the 3 x 4 matrix `m` of section 2, which of these allocate a new
        buffer? Decide first, then check with `%%arrayprof` (look at the *Lines* table) or with
        `np.shares_memory(x, m)`.

        ```python
        e1 = m[0]
        e2 = m[:, 3]
        e3 = m[[1]]
        e4 = m[m > 5]
        e5 = m.T.reshape(12)
        e6 = m[::-1]
        ```
    """),
    code("""
        # your answer here: copy the six lines into a %%arrayprof cell
    """),
    solution("""
        `e1`, `e2` and `e6` are views: integers and slices are basic indexing (`m[:, 3]` is a
        strided view of a column, `m[::-1]` reverses the rows with a negative stride). `e3` is a
        copy: `[1]` is a *list*, so this is fancy indexing, even for a single index. `e4` is a
        copy: boolean indexing. `e5` is a copy: the transpose reads `m` column by column, which no
        single stride can describe, so `reshape` copies.

        ```python
        %%arrayprof
        e1 = m[0]
        e2 = m[:, 3]
        e3 = m[[1]]
        e4 = m[m > 5]
        e5 = m.T.reshape(12)
        e6 = m[::-1]
        ```

        A trap in `e5`: its `.base` is *not* `None` (and the report lists it as not owning its
        data), because `reshape` copied into a fresh array and returned a view of that copy. It
        still shares nothing with `m`: the *Lines* table shows line 5 allocating, and
        `np.shares_memory(e5, m)` is `False`. `.base` tells you "not the owner", not "shares
        memory with my array".
    """),
    check("""
        # checks the solution above
        namespace = {"np": np, "m": np.arange(12.0).reshape(3, 4).copy()}
        exercise = arrayprof.profile(
            "e1 = m[0]\\ne2 = m[:, 3]\\ne3 = m[[1]]\\ne4 = m[m > 5]\\ne5 = m.T.reshape(12)\\n"
            "e6 = m[::-1]\\n", namespace).to_dict()
        shares = {"e1": True, "e2": True, "e3": False, "e4": False, "e5": False, "e6": True}
        for lineno, (name, view) in enumerate(shares.items(), start=1):
            assert (line_row(exercise, lineno)["allocations"] == 0) == view, name
            assert np.shares_memory(namespace[name], namespace["m"]) == view, name
            row = array_row(exercise, name)
            assert row["base"] == ("m" if view else None), name
        assert array_row(exercise, "e5")["is_view"] and namespace["e5"].base is not None
    """),
    md("""
        **Exercise 2.** `load_sensor()` below reads two million samples and returns the first
        ten. Profile `first = load_sensor()`: what does arrayprof say, and how much memory does
        `first` keep alive? Then change the function so that calling it leaves only the ten
        samples in memory.
    """),
    code("""
        def load_sensor(n=2_000_000):
            readings = rng.random(n)  # stands for reading a file
            return readings[:10]
    """),
    code("""
        # your answer here
    """),
    solution("""
        arrayprof reports a *view-pins-base* finding: `first` holds 80 bytes of data but keeps
        the 16,000,000-byte `readings` buffer alive, though no name reaches it. Return a copy:

        ```python
        def load_sensor_fixed(n=2_000_000):
            readings = rng.random(n)
            return readings[:10].copy()
        ```

        ```python
        %%arrayprof
        first = load_sensor_fixed()
        ```

        Now the report shows the 16 MB allocated and freed within the cell (a temporary), and
        80 bytes kept.
    """),
    check("""
        # checks the solution above
        def load_sensor_fixed(n=2_000_000):
            readings = rng.random(n)
            return readings[:10].copy()

        before = arrayprof.profile("first = load_sensor()", {"load_sensor": load_sensor}).to_dict()
        assert ("view-pins-base", 1) in findings(before)
        assert array_row(before, "first")["nbytes"] == 80
        assert array_row(before, "first")["base_nbytes"] == 16_000_000
        after = arrayprof.profile("first = load_sensor_fixed()",
                                  {"load_sensor_fixed": load_sensor_fixed}).to_dict()
        assert not findings(after)
        assert after["numpy"]["net_bytes"] == 80
        assert after["numpy"]["temporary_bytes"] >= 16_000_000
    """),
    md("""
        **Next:** [2 · Strides and memory order](02_strides_and_memory_order.ipynb) explains the
        recipe behind every view.
    """),
]
