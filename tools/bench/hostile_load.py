#!/usr/bin/env python3
"""Hostile clients against a Lockstep server, for a bounded time, on loopback only.

Used by tools/bench/hostile.sh to measure what a normal client's latency becomes while the
server is under the abuse of docs/reliability.md: slow-loris connections, half-open ones, a
client that pipelines and never reads, a flood of connections opened and dropped, oversized and
endless headers and bodies, invalid UTF-8 and deep JSON. It prints what it did, as one JSON
object, when the time is up.

Usage: hostile_load.py PORT SECONDS [--loris N] [--token TOKEN]
"""
import argparse
import json
import socket
import threading
import time

HOST = "127.0.0.1"


def connect(port):
    s = socket.create_connection((HOST, port), timeout=5)
    s.setblocking(False)
    return s


def send_quietly(s, data):
    try:
        s.send(data)
        return True
    except OSError:
        return False


class Hostile:
    def __init__(self, port, seconds, loris, token):
        self.port = port
        self.deadline = time.monotonic() + seconds
        self.loris = loris
        self.auth = f"Authorization: Bearer {token}\r\n".encode() if token else b""
        self.counts = {}
        self.lock = threading.Lock()

    def count(self, what, n=1):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + n

    def running(self):
        return time.monotonic() < self.deadline

    def slow_loris(self):
        """N connections that send a request head one header line at a time, every few seconds."""
        socks = []
        for _ in range(self.loris):
            try:
                s = connect(self.port)
            except OSError:
                self.count("loris_connect_refused")
                continue
            send_quietly(s, b"GET /v1/tasks HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        self.count("loris_opened", len(socks))
        while self.running():
            time.sleep(2)
            alive = []
            for s in socks:
                if send_quietly(s, b"X-Slow: 1\r\n"):
                    alive.append(s)
                else:
                    s.close()
                    self.count("loris_cut_off")
                    try:
                        replacement = connect(self.port)
                        send_quietly(replacement, b"GET /v1/tasks HTTP/1.1\r\nHost: x\r\n")
                        alive.append(replacement)
                        self.count("loris_reopened")
                    except OSError:
                        self.count("loris_connect_refused")
            socks = alive
        for s in socks:
            s.close()

    def never_reads(self):
        """Pipelines requests and never reads an answer; reconnects when the server gives up."""
        request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 200
        s = None
        while self.running():
            if s is None:
                try:
                    s = connect(self.port)
                    self.count("greedy_connections")
                except OSError:
                    time.sleep(0.1)
                    continue
            try:
                s.send(request)
                self.count("greedy_bytes", len(request))
            except BlockingIOError:
                time.sleep(0.05)
            except OSError:
                s.close()
                s = None
        if s:
            s.close()

    def half_open(self):
        """Connections that send half a head and then close their sending side."""
        while self.running():
            try:
                s = socket.create_connection((HOST, self.port), timeout=5)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost:")
                s.shutdown(socket.SHUT_WR)
                s.close()
                self.count("half_open")
            except OSError:
                self.count("half_open_refused")
            time.sleep(0.005)

    def flood(self):
        """Connections opened and dropped at once, about 500 a second.

        Bounded so that on a small machine the flood measures the server, not the CPU this
        script takes from it."""
        while self.running():
            try:
                socket.create_connection((HOST, self.port), timeout=5).close()
                self.count("flood")
            except OSError:
                self.count("flood_refused")
            time.sleep(0.002)

    def bad_requests(self):
        """Oversized headers, bodies that never end, invalid UTF-8, deep JSON: each must be a 4xx."""
        heads = [
            b"GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-Big: " + b"h" * (64 << 10) + b"\r\n\r\n",
            b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\n" + self.auth
            + b"Content-Type: application/json\r\nContent-Length: 3000000\r\n\r\n" + b"x" * 65536,
            self.post(b'{"userId":"\xff\xfe","taskTitle":"t"}'),
            self.post(b"[" * 100000),
            b"HELLO WORLD\r\n\r\n",
        ]
        i = 0
        while self.running():
            head = heads[i % len(heads)]
            i += 1
            try:
                s = socket.create_connection((HOST, self.port), timeout=5)
                s.sendall(head)
                answer = s.recv(64)
                status = answer[9:12].decode(errors="replace") if answer else "closed"
                self.count(f"bad_request_{status}")
                s.close()
            except OSError:
                self.count("bad_request_cut_off")
            time.sleep(0.01)

    def post(self, body):
        return (b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\n" + self.auth
                + b"Content-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\n\r\n" + body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("seconds", type=float)
    parser.add_argument("--loris", type=int, default=1000, help="slow-loris connections")
    parser.add_argument("--token", default="", help="bearer token for the bad POSTs")
    args = parser.parse_args()
    h = Hostile(args.port, args.seconds, args.loris, args.token)
    threads = [threading.Thread(target=f, daemon=True)
               for f in (h.slow_loris, h.never_reads, h.half_open, h.flood, h.bad_requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.seconds + 30)
    print(json.dumps(h.counts, sort_keys=True))


if __name__ == "__main__":
    main()
