"""Measure the guide: cold build, personal copy with a new name (and its two parts), cached copy."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leadgen.ebook.assemble import assemble
from leadgen.ebook.render import DEFAULT_PRACTICE, build_body, personal_copy, render_cover_pdf

OWNER = "bench-lead-secret-0000000000000"  # one lead; each new name is a new copy


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(rounds: int = 40) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        body = build_body(DEFAULT_PRACTICE, cache)
        print(f"cold build: {body.seconds:.2f} s, {body.pages} pages, {body.bytes} bytes")

        personal_copy("Opwarmer", OWNER, DEFAULT_PRACTICE, cache)  # templates, fonts, imports
        fresh, cached, names = [], [], []
        for _ in range(rounds):
            name = f"Bezoeker {uuid.uuid4().hex[:8]}"
            names.append(name)
            started = time.perf_counter()
            personal_copy(name, OWNER, DEFAULT_PRACTICE, cache)
            fresh.append(time.perf_counter() - started)
        for name in names:
            started = time.perf_counter()
            personal_copy(name, OWNER, DEFAULT_PRACTICE, cache).read_bytes()
            cached.append(time.perf_counter() - started)
        # Where a new name's time goes: the cover's render, then putting it in front of the body.
        covers, joins = [], []
        for name in names:
            started = time.perf_counter()
            cover = render_cover_pdf(f"{name} bis", DEFAULT_PRACTICE)
            covers.append(time.perf_counter() - started)
            started = time.perf_counter()
            assemble(cover, body.path)
            joins.append(time.perf_counter() - started)

    ms = 1000
    print(
        f"personal copy, new name: p50 {statistics.median(fresh) * ms:.0f} ms, "
        f"p95 {percentile(fresh, 0.95) * ms:.0f} ms ({rounds} names)"
    )
    print(
        f"  of which cover render p50 {statistics.median(covers) * ms:.0f} ms, "
        f"assembly p50 {statistics.median(joins) * ms:.0f} ms"
    )
    print(f"personal copy, cached:   p50 {statistics.median(cached) * ms:.1f} ms")


if __name__ == "__main__":
    main()
