"""What the ledger's durability costs: a settle-shaped write (one Lua script incrementing spend and a
usage counter, as `admission.settle` does) against redis-server with the AOF fsynced every second
(`everysec`) and before every reply (`always`, what the farm deploys).

Both modes run in the same process, alternating blocks, on the same disk; medians over blocks.
Run idle: `.venv/bin/python bench/durability/run.py [--dir DIR] [--blocks 6] [--writes 2000]`.
The data directory must be on the disk the ledger will use (fsync cost is the disk's).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from farm.redis_server import RedisServer  # noqa: E402

SETTLE = "redis.call('INCRBYFLOAT', KEYS[1], ARGV[1]); redis.call('HINCRBY', KEYS[2], 'calls', 1); return 1"


def block(client: redis.Redis, writes: int) -> float:
    """Median microseconds of one settle-shaped write."""
    script = client.register_script(SETTLE)
    times = []
    for _ in range(writes):
        started = time.perf_counter()
        script(keys=["spent", "usage"], args=[0.001])
        times.append((time.perf_counter() - started) * 1e6)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="where the AOF goes (default: here)")
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--writes", type=int, default=2000)
    args = parser.parse_args()
    medians: dict[str, list[float]] = {"everysec": [], "always": []}
    with tempfile.TemporaryDirectory(dir=args.dir) as data, RedisServer(Path(data)) as server:
        client = redis.Redis.from_url(server.url)
        block(client, 200)  # warm-up
        for _ in range(args.blocks):
            for mode in medians:
                client.config_set("appendfsync", mode)
                medians[mode].append(block(client, args.writes))
    everysec, always = (statistics.median(medians[m]) for m in ("everysec", "always"))
    print(f"settle write, median over {args.blocks} blocks of {args.writes}:")
    print(f"  appendfsync everysec {everysec:7.1f} µs   (blocks {', '.join(f'{v:.0f}' for v in medians['everysec'])})")
    print(f"  appendfsync always   {always:7.1f} µs   (blocks {', '.join(f'{v:.0f}' for v in medians['always'])})")
    print(f"  always / everysec = {always / everysec:.2f}×, +{always - everysec:.0f} µs per write; "
          f"a call makes two (admit, settle): +{2 * (always - everysec) / 1000:.2f} ms per call")


if __name__ == "__main__":
    main()
