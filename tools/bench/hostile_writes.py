#!/usr/bin/env python3
"""One user's write latency: unconditional PATCHes of one task, one at a time on a kept-alive
connection, for a bounded time; prints {"writes", "p50Ms", "p99Ms"} as one JSON object.

Used by tools/bench/hostile_writes.sh, quiet and while hostile_load.py runs.

Usage: hostile_writes.py PORT SECONDS TOKEN TASK_ID
"""
import json
import socket
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from hostile_load import read_answers  # noqa: E402


def main():
    port, seconds, token, task = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    latencies = []
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        body = json.dumps({"warningOffset": i % 1000}).encode()
        request = (f"PATCH /v1/tasks/{task} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        started = time.perf_counter()
        s.sendall(request)
        status = read_answers(s, 1)[0]
        latencies.append(time.perf_counter() - started)
        if status != "200":
            raise SystemExit(f"PATCH answered {status}")
        i += 1
    latencies.sort()
    at = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 3)
    print(json.dumps({"writes": len(latencies), "p50Ms": at(0.50), "p99Ms": at(0.99)}))


if __name__ == "__main__":
    main()
