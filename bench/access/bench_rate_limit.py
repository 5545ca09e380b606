"""Cost of one rate-limit decision: the in-process token bucket, the Redis bucket (one Lua
script call), and a bare Redis PING as the round-trip baseline, interleaved in one run.

Writes bench/access/RESULTS.md. Needs Redis on 127.0.0.1:6379 (database 15, keys prefixed).
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis

from kaifang.access.quotas import MemoryRateLimiter, RedisRateLimiter

HITS = 2000
ROUNDS = 5
KEYS = 50  # distinct buckets, as many clients would have
OUT = Path(__file__).with_name("RESULTS.md")


def _timed(fn: Callable[[int], object]) -> float:
    """Microseconds per call over HITS calls."""
    start = time.perf_counter()
    for n in range(HITS):
        fn(n)
    return (time.perf_counter() - start) / HITS * 1e6


def main() -> None:
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    client.ping()
    prefix = f"bench:{uuid.uuid4().hex}:"
    memory = MemoryRateLimiter()
    shared = RedisRateLimiter(client, prefix=prefix)
    cases: dict[str, Callable[[int], object]] = {
        "in-process bucket": lambda n: memory.hit(f"k{n % KEYS}", capacity=10**9, per_seconds=60),
        "Redis bucket (Lua)": lambda n: shared.hit(f"k{n % KEYS}", capacity=10**9, per_seconds=60),
        "Redis PING (baseline)": lambda n: client.ping(),
    }
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(ROUNDS):
        for name, fn in cases.items():
            results[name].append(_timed(fn))
    for key in client.scan_iter(prefix + "*"):
        client.delete(key)
    _write(results)


def _write(results: dict[str, list[float]]) -> None:
    ping = statistics.median(results["Redis PING (baseline)"])
    lines = [
        "# Rate-limit decision cost",
        "",
        f"{HITS} hits × {ROUNDS} rounds, interleaved, {KEYS} buckets; "
        f"load average {Path('/proc/loadavg').read_text().split()[0]}.",
        "",
        "| case | median µs/hit | ÷ Redis PING |",
        "|---|---:|---:|",
    ]
    for name, values in results.items():
        median = statistics.median(values)
        lines.append(f"| {name} | {median:.1f} | {median / ping:.2f} |")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
