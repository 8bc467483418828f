#!/usr/bin/env python3
"""Hostile clients against a Lockstep server, for a bounded time, on loopback only.

Used by tools/bench/hostile.sh to measure what a normal client's latency becomes while the
server is under the abuse of docs/reliability.md: slow-loris connections, half-open ones, a
client that pipelines and never reads, a flood of connections opened and dropped, oversized and
endless headers and bodies, invalid UTF-8 and deep JSON. It prints what it did, as one JSON
object, when the time is up.

Two more, for tools/bench/hostile_writes.sh (they are not part of the default set): `big_batches`,
an authenticated user sending invalid batches of about 1 MiB at a steady rate (`--batch-kind`:
`over`, ~36,000 small operations, far over the limit; `within`, 100 operations with an unknown
`op`, each carrying an array of ~5,000 numbers, which must be parsed whole to be refused; or
`mixed`, alternating), and `bad_tokens`, POSTs with a
token that does not exist at a steady rate, pipelined on a few kept-alive connections.

Usage: hostile_load.py PORT SECONDS [--loris N] [--token TOKEN] [--only NAME,...]
                       [--batch-token TOKEN] [--batches-per-second N] [--bad-tokens-per-second N]
                       [--batch-kind over|within|mixed]
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
    def __init__(self, port, seconds, loris, token, batch_token="", batches_per_second=50,
                 bad_tokens_per_second=5000, batch_kind="over"):
        self.port = port
        self.batch_kind = batch_kind
        self.batch_auth = f"Authorization: Bearer {batch_token}\r\n".encode()
        self.batches_per_second = batches_per_second
        self.bad_tokens_per_second = bad_tokens_per_second
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

    def big_batches(self):
        """Invalid batches of about 1 MiB, `batches_per_second` a second, on one connection."""
        # Over the limit: ~36,000 small operations. Within it: 100 invalid operations, each
        # carrying an array of ~5,000 numbers (costly to parse: one JSON value per number).
        over = [{"op": "delete", "taskId": "x"}] * 36000
        within = [{"op": "upsert", "taskId": "x", "pad": [1] * 5000}] * 100
        kinds = {"over": (over,), "within": (within,), "mixed": (over, within)}[self.batch_kind]
        bodies = [json.dumps({"operations": ops}, separators=(",", ":")).encode() for ops in kinds]
        for b in bodies:
            assert len(b) < 1 << 20, len(b)
        requests = [b"POST /v1/tasks:batch HTTP/1.1\r\nHost: x\r\n" + self.batch_auth
                    + b"Content-Type: application/json\r\nContent-Length: " + str(len(b)).encode()
                    + b"\r\n\r\n" + b for b in bodies]
        self.paced(self.batches_per_second, 1, lambda i: requests[i % len(requests)], "big_batch")

    def bad_tokens(self):
        """POSTs with an unknown token, `bad_tokens_per_second` a second, on 4 connections."""
        request = (b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer lst_no_such_token\r\n"
                   b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        threads = [threading.Thread(target=self.paced, daemon=True,
                                    args=(self.bad_tokens_per_second / 4, 25, lambda i: request, "bad_token"))
                   for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def paced(self, per_second, pipelined, make, what):
        """Sends `pipelined` requests at a time on one kept-alive connection, reads their answers,
        and keeps to `per_second` requests a second on average (it falls behind when the server is
        slower; it never sends more)."""
        s = None
        started = time.monotonic()
        sent = 0
        while self.running():
            due = started + sent / per_second
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            try:
                if s is None:
                    s = socket.create_connection((HOST, self.port), timeout=10)
                s.sendall(b"".join(make(sent + k) for k in range(pipelined)))
                sent += pipelined
                statuses = read_answers(s, pipelined)
                for status in statuses:
                    self.count(f"{what}_{status}")
            except OSError:
                self.count(f"{what}_cut_off")
                if s:
                    s.close()
                s = None
        if s:
            s.close()

    def post(self, body):
        return (b"POST /v1/tasks HTTP/1.1\r\nHost: x\r\n" + self.auth
                + b"Content-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode() + b"\r\n\r\n" + body)


def read_answers(s, n):
    """Reads `n` HTTP answers (with Content-Length bodies); returns their status codes."""
    buf = b""
    statuses = []
    while len(statuses) < n:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("closed")
            buf += chunk
            continue
        head = buf[:end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        while len(buf) < end + 4 + length:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("closed")
            buf += chunk
        statuses.append(head[9:12])
        buf = buf[end + 4 + length:]
    return statuses


DEFAULT = ("slow_loris", "never_reads", "half_open", "flood", "bad_requests")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("seconds", type=float)
    parser.add_argument("--loris", type=int, default=1000, help="slow-loris connections")
    parser.add_argument("--token", default="", help="bearer token for the bad POSTs")
    parser.add_argument("--only", default=",".join(DEFAULT),
                        help="the abusers to run, from: " + ", ".join(DEFAULT + ("big_batches", "bad_tokens")))
    parser.add_argument("--batch-token", default="", help="bearer token of the big_batches user")
    parser.add_argument("--batches-per-second", type=float, default=50)
    parser.add_argument("--bad-tokens-per-second", type=float, default=5000)
    parser.add_argument("--batch-kind", choices=("over", "within", "mixed"), default="over",
                        help="big_batches: over the operation limit, within it, or alternating")
    args = parser.parse_args()
    h = Hostile(args.port, args.seconds, args.loris, args.token, args.batch_token, args.batches_per_second,
                args.bad_tokens_per_second, args.batch_kind)
    threads = [threading.Thread(target=getattr(h, name), daemon=True) for name in args.only.split(",")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.seconds + 30)
    print(json.dumps(h.counts, sort_keys=True))


if __name__ == "__main__":
    main()
