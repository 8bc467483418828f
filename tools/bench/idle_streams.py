#!/usr/bin/env python3
"""Opens N idle change-feed followers (GET /v1/changes/stream) on a Lockstep server and reports
the server's resident memory before and after, for docs/performance.md.

Every stream is checked to have been accepted (HTTP 200, text/event-stream) before the memory is
read; then they are held open for a few seconds, still idle, and closed. Loopback only.

Usage: idle_streams.py PORT TOKEN SERVER_PID [--streams N] [--hold SECONDS]
"""
import argparse
import json
import socket
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def open_stream(port, token):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(f"GET /v1/changes/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
              f"Accept: text/event-stream\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("the server closed a stream before answering")
        head += chunk
    status_line = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status_line or b"text/event-stream" not in head.lower():
        raise RuntimeError(f"a stream was refused: {status_line.decode(errors='replace')}")
    return s


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("token")
    parser.add_argument("server_pid", type=int)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=5)
    args = parser.parse_args()
    before = rss_kib(args.server_pid)
    streams = [open_stream(args.port, args.token) for _ in range(args.streams)]
    time.sleep(args.hold)  # idle on purpose: what the streams cost while nothing happens
    during = rss_kib(args.server_pid)
    for s in streams:
        s.close()
    print(json.dumps({"streams": len(streams), "rssKibBefore": before, "rssKibWithStreams": during,
                      "kibPerStream": round((during - before) / max(1, len(streams)), 2)}))


if __name__ == "__main__":
    main()
