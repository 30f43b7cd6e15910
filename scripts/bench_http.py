#!/usr/bin/env python3
"""HTTP search latency per mode against a running storybank (standard library only).

Sends the real questions of a queries.jsonl (cycled) to POST /v1/search, one request at a time
over one keep-alive connection, half of them with a filter, and prints p50/p99 of the client-side
wall time (query embedding, both retrievers, fusion and JSON included) and of the server's took_ms.
"""
import argparse, http.client, json, statistics, sys, time, urllib.parse


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.url)
    questions = [json.loads(l)["query"] for l in open(args.queries) if l.strip()]
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    for _ in range(60):
        try:
            conn.request("GET", "/healthz")
            health = json.loads(conn.getresponse().read())
            break
        except OSError:
            time.sleep(0.5)
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    else:
        sys.exit("bench: server did not come up")
    print(f"index: {health['quotes']} quotes in {health['deals']} deals, model {health['model']}")
    print("| mode | requests | p50 ms | p99 ms | server took_ms p50 | p99 |")
    print("|---|---|---|---|---|---|")
    for mode in ["keyword", "semantic", "hybrid"]:
        wall, took = [], []
        for i in range(args.requests + 10):
            body = {"query": questions[i % len(questions)], "mode": mode, "limit": 10}
            if i % 2:
                body["filters"] = {"outcome": ["lost", "no_decision"]}
            started = time.perf_counter()
            conn.request("POST", "/v1/search", json.dumps(body), {"content-type": "application/json"})
            response = conn.getresponse()
            payload = json.loads(response.read())
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                sys.exit(f"bench: {response.status} {payload}")
            if i >= 10:  # warm-up excluded
                wall.append(elapsed)
                took.append(payload["took_ms"])
        print(f"| {mode} | {len(wall)} | {statistics.median(wall):.1f} | {percentile(wall, 99):.1f} | "
              f"{statistics.median(took):.0f} | {percentile(took, 99):.0f} |")


if __name__ == "__main__":
    main()
