"""The fault_storm benchmark's Python side: the same batch as `cargo bench --bench fault_storm`, sent
with the official `openai` SDK (AsyncOpenAI, its default retries) under an asyncio semaphore of 16, as
the Python RLM libraries send their sub-calls, against `rlm sim-server` with the same faults.

Usage (see docs/BENCHMARKS.md):
    rlm sim-server --port 8765 --latency-ms 20 --fault 10:500 --fault 7:429:0 &
    python benches/python/fault_storm.py --base-url http://127.0.0.1:8765/v1 --n 100
The server's fault counter runs across requests, so restart it between runs for identical mixes.
"""

import argparse
import asyncio
import time

from openai import AsyncOpenAI


async def one_run(base_url: str, n: int, concurrency: int) -> tuple[float, int]:
    client = AsyncOpenAI(base_url=base_url, api_key="not-needed")
    gate = asyncio.Semaphore(concurrency)

    async def call(i: int) -> bool:
        async with gate:
            try:
                await client.chat.completions.create(
                    model="sim-sub",
                    messages=[{"role": "user", "content": f"item {i}: The magic number is 1234567."}],
                )
                return True
            except Exception:  # a lost item, as llm_batch would report it
                return False

    started = time.perf_counter()
    results = await asyncio.gather(*(call(i) for i in range(n)))
    wall = time.perf_counter() - started
    await client.close()
    return wall, results.count(False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    wall, lost = asyncio.run(one_run(args.base_url, args.n, args.concurrency))
    print(f"wall {wall:.3f} s, items lost {lost}")


if __name__ == "__main__":
    main()
