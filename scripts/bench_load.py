#!/usr/bin/env python3
"""Load bench against a running storybank server (standard library only).

Opens IDLE idle TCP connections (spread over child processes, so no process needs more file
descriptors than the usual 20,000 limit) and holds them; meanwhile CLIENTS concurrent clients run
searches, similar-deals, facets and deal lookups for SECONDS; a separate prober asks /healthz on a
fresh connection every 0.25 s from the first idle connection to the last request. Prints one JSON
line and exits non-zero if an active client saw an error or /healthz ever took longer than 1 s.
"""
import argparse
import json
import multiprocessing
import random
import socket
import threading
import time
import urllib.request

QUERIES = [
    "onboarding took too long",
    "why did we lose on price",
    "security questionnaire delays",
    "integration with our ERP",
    "the competitor's support team",
    "implementation timeline",
    "contract terms and discounts",
    "reporting and dashboards",
]


def hold_idle(port, count, opened, release):
    """Child process: open `count` connections, report, hold them until told to stop."""
    held = []
    for _ in range(count):
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        except OSError:
            break
        with opened.get_lock():
            opened.value += 1
    release.wait()
    for sock in held:
        sock.close()


def request(base, method, path, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, timeout=timeout) as response:
        response.read()
        return response.status


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--idle", type=int, default=20000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--holders", type=int, default=4)
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    deal_ids = [d["deal_id"] for d in json.load(urllib.request.urlopen(base + "/v1/deals"))["deals"]]

    done = threading.Event()
    probes = []

    def probe():
        while not done.is_set():
            started = time.monotonic()
            try:
                request(base, "GET", "/healthz", timeout=5)
                probes.append(time.monotonic() - started)
            except Exception as err:  # noqa: BLE001 - any failure counts
                probes.append(float("inf"))
                print(f"healthz failed: {err}", flush=True)
            time.sleep(0.25)

    prober = threading.Thread(target=probe)
    prober.start()

    # 1. Idle connections, held by child processes.
    opened = multiprocessing.Value("i", 0)
    release = multiprocessing.Event()
    share = [args.idle // args.holders + (i < args.idle % args.holders) for i in range(args.holders)]
    holders = [multiprocessing.Process(target=hold_idle, args=(args.port, n, opened, release)) for n in share]
    started = time.monotonic()
    for holder in holders:
        holder.start()
    while opened.value < args.idle and any(h.is_alive() for h in holders):
        time.sleep(0.1)
    open_seconds = time.monotonic() - started

    # 2. Active clients while the idle connections are held.
    latencies, errors = [], []
    stop = time.monotonic() + args.seconds

    def client(seed):
        rng = random.Random(seed)
        while time.monotonic() < stop:
            roll = rng.random()
            if roll < 0.6:
                call = ("POST", "/v1/search", {"query": rng.choice(QUERIES), "limit": 10})
            elif roll < 0.75:
                call = ("POST", "/v1/deals/similar", {"query": rng.choice(QUERIES), "limit": 5})
            elif roll < 0.9:
                call = ("GET", "/v1/facets", None)
            else:
                call = ("GET", f"/v1/deals/{rng.choice(deal_ids)}", None)
            began = time.monotonic()
            try:
                request(base, *call)
                latencies.append(time.monotonic() - began)
            except Exception as err:  # noqa: BLE001 - any failure counts
                errors.append(f"{call[1]}: {err}")

    clients = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join()
    done.set()
    prober.join()
    release.set()
    for holder in holders:
        holder.join()

    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000, 1)
    report = {
        "idle_connections": opened.value,
        "idle_open_seconds": round(open_seconds, 1),
        "clients": args.clients,
        "seconds": args.seconds,
        "requests": len(latencies),
        "errors": len(errors),
        "rps": round(len(latencies) / args.seconds, 1),
        "p50_ms": pick(0.5) if latencies else None,
        "p99_ms": pick(0.99) if latencies else None,
        "healthz_probes": len(probes),
        "healthz_max_ms": round(max(probes) * 1000, 1) if probes else None,
    }
    print(json.dumps(report), flush=True)
    for err in errors[:5]:
        print(f"error: {err}")
    ok = not errors and probes and max(probes) <= 1.0 and opened.value >= args.idle
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
