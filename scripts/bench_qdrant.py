#!/usr/bin/env python3
"""Search latency and recall of several running storybank servers over the same index content
(standard library only): the first server is the reference (the exact flat index).

For each server, sends the questions of a queries.jsonl (cycled) to POST /v1/search, one at a
time over one keep-alive connection, half of them with a filter, in semantic and hybrid mode,
and prints p50/p99 of the client-side wall time. Recall@10: the share of the reference's
semantic top 10 that each server also returns in its top 10, over every question, with and
without the filter.
"""
import argparse, http.client, json, statistics, sys, time, urllib.parse


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


class Client:
    """One keep-alive connection to a server; reconnects when the server closed it idle."""

    def __init__(self, url):
        self.url = urllib.parse.urlparse(url)
        self.conn = None
        for _ in range(120):
            try:
                self.health = self.get("/healthz")
                return
            except OSError:
                self.conn = None
                time.sleep(0.5)
        sys.exit(f"bench: {url} did not come up")

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)
        return self.conn

    def get(self, path):
        conn = self._connection()
        conn.request("GET", path)
        return json.loads(conn.getresponse().read())

    def search(self, body):
        for attempt in range(2):
            try:
                conn = self._connection()
                started = time.perf_counter()
                conn.request("POST", "/v1/search", json.dumps(body), {"content-type": "application/json"})
                response = conn.getresponse()
                payload = json.loads(response.read())
                elapsed = (time.perf_counter() - started) * 1000
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn = None  # closed while idle: reconnect once
                if attempt:
                    raise
        if response.status != 200:
            sys.exit(f"bench: {response.status} {payload}")
        return elapsed, [r["quote_id"] for r in payload["results"]]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True, help="label for the table")
    parser.add_argument("--queries", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("servers", nargs="+", help="NAME=URL, the reference first")
    args = parser.parse_args()
    questions = [json.loads(l)["query"] for l in open(args.queries) if l.strip()]
    servers = [s.split("=", 1) for s in args.servers]
    clients = {name: Client(url) for name, url in servers}
    reference = servers[0][0]
    quotes = clients[reference].health.get("quotes")
    # Recall@10 against the reference (semantic mode, the vector ranking).
    top = {}
    for name, _ in servers:
        client = clients[name]
        top[name] = []
        for question in questions:
            for filters in ({}, {"outcome": ["lost", "no_decision"]}):
                body = {"query": question, "mode": "semantic", "limit": 10, "filters": filters}
                top[name].append(client.search(body)[1])
    rows = []
    for name, _ in servers:
        client = clients[name]
        found = sum(len(set(a) & set(b)) for a, b in zip(top[reference], top[name]))
        total = sum(len(a) for a in top[reference])
        recall = found / total if total else 1.0
        cells = [args.corpus, str(quotes), name]
        for mode in ["semantic", "hybrid"]:
            wall = []
            for i in range(args.requests + 10):
                body = {"query": questions[i % len(questions)], "mode": mode, "limit": 10}
                if i % 2:
                    body["filters"] = {"outcome": ["lost", "no_decision"]}
                elapsed, _ = client.search(body)
                if i >= 10:  # warm-up excluded
                    wall.append(elapsed)
            cells += [f"{statistics.median(wall):.1f}", f"{percentile(wall, 99):.1f}"]
        cells.append(f"{recall:.3f}")
        rows.append(cells)
    for cells in rows:
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
