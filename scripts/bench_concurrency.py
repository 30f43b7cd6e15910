#!/usr/bin/env python3
"""Concurrency bench against a running storybank server (standard library only).

For each client count, that many threads POST /v1/search (hybrid) back to back for SECONDS.
Every request is a different question (words drawn from a fixed vocabulary with a fixed seed),
so the server's query-embedding cache never answers: this measures embedding + retrieval.
With --repeat the clients cycle through 8 questions instead, which is what the cache is for.
Prints one JSON line per client count: QPS, p50, p99, errors.
"""
import argparse
import json
import random
import threading
import time
import http.client
import urllib.parse

from bench_load import QUERIES

WORDS = (
    "onboarding pricing security questionnaire integration support renewal contract discount "
    "implementation timeline champion budget procurement reporting dashboards invoices approval "
    "workflow migration training compliance audit rollout competitor cheaper faster demo trial "
    "references legal review erp crm sso hosting data residency roi business case urgency"
).split()
FRAMES = [
    "why did we lose on {} and {}",
    "what did buyers say about {} during {}",
    "{} was a problem with {}",
    "how did the competitor handle {} and {}",
    "buyers complained about {} before {}",
]
# The load bench's questions: what --repeat cycles through.
REPEATED = QUERIES


def question(rng):
    frame = rng.choice(FRAMES)
    return frame.format(rng.choice(WORDS), rng.choice(WORDS)) + " " + str(rng.randrange(10**6))


def run(url, clients, seconds, repeat, headers, warmup=False):
    # Questions are seeded per client count; a warm-up draws its own, so no later run finds
    # its questions already in the server's query cache.
    base = clients * 1000 + (10**6 if warmup else 0)
    stop = time.monotonic() + seconds
    latencies, errors, lock = [], [0], threading.Lock()

    def client(seed):
        rng = random.Random(seed)
        parts = urllib.parse.urlsplit(url)
        # One kept-alive connection per client, as a browser or an SDK holds one.
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        n = 0
        while time.monotonic() < stop:
            text = REPEATED[n % len(REPEATED)] if repeat else question(rng)
            n += 1
            body = json.dumps({"query": text, "limit": 10})
            started = time.monotonic()
            try:
                conn.request("POST", parts.path.rstrip("/") + "/v1/search", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except Exception:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            elapsed = (time.monotonic() - started) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(base + i,)) for i in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1) if latencies else None

    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors[0],
        "qps": round(len(latencies) / wall, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "repeat": repeat,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--clients", default="1,2,4,8,32")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--repeat", action="store_true")
    parser.add_argument("--key", default="")
    args = parser.parse_args()
    headers = {"content-type": "application/json"}
    if args.key:
        headers["authorization"] = "Bearer " + args.key
    # Warm up: load pages, the model's first runs.
    run(args.url, 2, 2, args.repeat, headers, warmup=True)
    for clients in [int(c) for c in args.clients.split(",")]:
        print(json.dumps(run(args.url, clients, args.seconds, args.repeat, headers)), flush=True)


if __name__ == "__main__":
    main()
