#!/usr/bin/env python3
"""Score a running storybank server against a labelled win/loss corpus (standard library only).

Implements the "How a run is scored" section of eval/FORMAT.md:
- quote queries -> POST /v1/search (query's filters, limit 10, once per --modes entry). A returned quote
  hits a labelled span when both come from the same deal and at least half of the span's distinct word
  bigrams (lower-cased, punctuation removed) occur among the bigrams of the first 150 words of the quote
  text. Each span is credited once, to its first hit; a result's gain is the best grade it newly credits.
  Reported: nDCG@10 (gains = grades, log2(rank+1) discount, ideal DCG from the sorted span grades),
  Recall@10 over spans and MRR@10, as means over all quote queries, the paraphrase subset, the rest and
  each kind; plus client wall-clock latency p50/p95 and the server's took_ms.
- similar_deals queries -> POST /v1/deals/similar (limit 5, mode-independent): nDCG@5 with binary gains
  and Recall@5 over relevant_deals.
- PII: every response body received, plus GET /v1/deals/{id} for every deal in deals.csv, is searched for
  each pii.txt line as a whole word, case-insensitively. Any occurrence is a leak (exit code 3).

Usage: score_http.py --url http://127.0.0.1:7700 --corpus DIR [--modes keyword,semantic,hybrid]
                     [--json OUT.json] [--paraphrase q03,q06] | --self-test
Exit code: 0 ok, 3 if any PII leak was found, 2 if the server is unreachable.
"""
import argparse, csv, json, math, re, statistics, sys, time, urllib.error, urllib.parse, urllib.request
from pathlib import Path


def words(text):
    return re.sub(r"[^\w\s]", "", text.lower()).split()


def bigrams(ws):
    return {(a, b) for a, b in zip(ws, ws[1:])} if len(ws) > 1 else {(w,) for w in ws}


def hits(span_text, quote_text):
    """FORMAT.md hit rule (deal equality is checked by the caller)."""
    span, quote = bigrams(words(span_text)), bigrams(words(quote_text)[:150])
    return bool(span) and 2 * len(span & quote) >= len(span)


def score_quotes(results, relevant, k=10):
    """results: [(deal_id, text)] in rank order; relevant: [{deal_id, text, grade}] -> (gains, ndcg, recall, mrr)."""
    credited, gains = set(), []
    for deal_id, text in results[:k]:
        new = [i for i, s in enumerate(relevant)
               if i not in credited and s["deal_id"] == deal_id and hits(s["text"], text)]
        credited.update(new)
        gains.append(max((relevant[i]["grade"] for i in new), default=0))
    ideal = sorted((s["grade"] for s in relevant), reverse=True)[:k]
    mrr = next((1 / r for r, g in enumerate(gains, 1) if g > 0), 0.0)
    return gains, ndcg(gains, ideal), len(credited) / len(relevant) if relevant else 0.0, mrr


def ndcg(gains, ideal):
    dcg = lambda gs: sum(g / math.log2(r + 1) for r, g in enumerate(gs, 1))
    return dcg(gains) / dcg(ideal) if dcg(ideal) > 0 else 0.0


def score_similar(deal_ids, relevant, k=5):
    seen, gains = set(), []
    for d in deal_ids[:k]:
        gains.append(1 if d in relevant and d not in seen else 0)
        seen.add(d)
    found = len(seen & set(relevant))
    return ndcg(gains, [1] * min(len(set(relevant)), k)), found / len(set(relevant)) if relevant else 0.0


def pii_pattern(s):
    return re.compile((r"\b" if re.match(r"\w", s[0]) else "") + re.escape(s)
                      + (r"\b" if re.match(r"\w", s[-1]) else ""), re.IGNORECASE)


def strings_of(obj):
    """All strings (keys and values) of a parsed JSON body, unescaped, so \\n or \\u escapes hide nothing."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from strings_of(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings_of(v)


def find_leaks(body, patterns, where):
    try:
        texts = list(strings_of(json.loads(body)))
    except ValueError:
        texts = [body]
    out = []
    for s, pat in patterns:
        for t in texts:
            for m in pat.finditer(t):
                ctx = t[max(0, m.start() - 30):m.end() + 30].replace("\n", " ")
                out.append({"pii": s, "where": where, "context": ctx[:60 + len(s)]})
    return out


def paraphrase_ids_from_readme(text):
    """q-ids in the README bullet that mentions "Paraphrase queries" (up to "The rest", if present)."""
    m = re.search(r"Paraphrase queries.*?(?=\n\s*\n|\n\s*[-#*]\s|\Z)", text, re.S | re.I)
    return re.findall(r"\bq\d+\b", m.group(0).split("The rest")[0]) if m else []


def pct(xs, p):  # nearest-rank percentile
    return sorted(xs)[max(0, math.ceil(p * len(xs)) - 1)] if xs else None


class Client:
    def __init__(self, base):
        self.base, self.bodies = base.rstrip("/"), []   # bodies: (where, text) for the PII check

    def call(self, method, path, payload=None, where=None):
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                status, body = r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode("utf-8", "replace")
        ms = (time.perf_counter() - t0) * 1000
        self.bodies.append((where or f"{method} {path}", body))
        try:
            return status, json.loads(body), ms
        except ValueError:
            return status, None, ms


def mean_metrics(rows):
    keys = ("ndcg", "recall", "mrr")
    return {"n": len(rows), **{k: statistics.fmean(r[k] for r in rows) if rows else None for k in keys}}


def fmt(x, digits=3):
    return "-" if x is None else f"{x:.{digits}f}"


def run(args):
    corpus = Path(args.corpus)
    queries = [json.loads(l) for l in (corpus / "queries.jsonl").read_text().splitlines() if l.strip()]
    pii = [l.strip() for l in (corpus / "pii.txt").read_text(encoding="utf-8").splitlines() if l.strip()]
    with open(corpus / "deals.csv", newline="", encoding="utf-8") as f:
        deal_ids = [row["deal_id"] for row in csv.DictReader(f)]
    if args.paraphrase is not None:
        para = {q.strip() for q in args.paraphrase.split(",") if q.strip()}
    else:
        readme = corpus / "README.md"
        para = set(paraphrase_ids_from_readme(readme.read_text()) if readme.exists() else [])
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    cl = Client(args.url)
    try:
        cl.call("GET", "/healthz")
    except (urllib.error.URLError, OSError) as e:
        print(f"error: cannot reach storybank at {args.url}: {getattr(e, 'reason', e)}", file=sys.stderr)
        return 2

    quote_qs = [q for q in queries if q.get("kind", "quotes") != "similar_deals"]
    errors, report = [], {"url": args.url, "corpus": str(corpus), "paraphrase_ids": sorted(para), "modes": {}}
    for mode in modes:
        rows, lat, took = [], [], []
        for q in quote_qs:
            payload = {"query": q["query"], "filters": q.get("filters") or {}, "limit": 10, "mode": mode}
            status, resp, ms = cl.call("POST", "/v1/search", payload, f"search[{mode}] {q['id']}")
            results = (resp or {}).get("results") if status == 200 else None
            if results is None:
                errors.append(f"search[{mode}] {q['id']}: HTTP {status}")
                results = []
            gains, nd, rec, mrr = score_quotes([(r.get("deal_id"), r.get("text") or "") for r in results],
                                               q["relevant"])
            lat.append(ms)
            if isinstance((resp or {}).get("took_ms"), (int, float)):
                took.append(resp["took_ms"])
            rows.append({"id": q["id"], "kind": q.get("kind", "quotes"), "ndcg": nd, "recall": rec,
                         "mrr": mrr, "gains": gains, "latency_ms": round(ms, 2), "took_ms": resp and resp.get("took_ms")})
        kinds = sorted({r["kind"] for r in rows})
        report["modes"][mode] = {
            "all": mean_metrics(rows),
            "paraphrase": mean_metrics([r for r in rows if r["id"] in para]),
            "rest": mean_metrics([r for r in rows if r["id"] not in para]),
            "by_kind": {k: mean_metrics([r for r in rows if r["kind"] == k]) for k in kinds} if len(kinds) > 1 else {},
            "latency_ms": {"p50": pct(lat, .5), "p95": pct(lat, .95)},
            "took_ms": {"p50": pct(took, .5), "p95": pct(took, .95)},
            "per_query": {r["id"]: {k: v for k, v in r.items() if k not in ("id", "kind")} for r in rows}}

    sim_rows = []
    for q in (q for q in queries if q.get("kind") == "similar_deals"):
        status, resp, ms = cl.call("POST", "/v1/deals/similar", {"query": q["query"], "limit": 5}, f"similar {q['id']}")
        deals = (resp or {}).get("deals") if status == 200 else None
        if deals is None:
            errors.append(f"similar {q['id']}: HTTP {status}")
            deals = []
        nd, rec = score_similar([d.get("deal_id") for d in deals], q["relevant_deals"])
        sim_rows.append({"id": q["id"], "ndcg": nd, "recall": rec, "latency_ms": round(ms, 2)})
    report["similar"] = {"n": len(sim_rows),
                         "ndcg@5": statistics.fmean(r["ndcg"] for r in sim_rows) if sim_rows else None,
                         "recall@5": statistics.fmean(r["recall"] for r in sim_rows) if sim_rows else None,
                         "per_query": sim_rows}

    for d in deal_ids:
        status, _, _ = cl.call("GET", "/v1/deals/" + urllib.parse.quote(d), where=f"GET /v1/deals/{d}")
        if status != 200:
            errors.append(f"GET /v1/deals/{d}: HTTP {status}")
    patterns = [(s, pii_pattern(s)) for s in pii]
    leaks = [lk for where, body in cl.bodies for lk in find_leaks(body, patterns, where)]
    report["pii"] = {"leaks": len(leaks), "bodies_checked": len(cl.bodies), "first": leaks[:20]}
    report["errors"] = errors

    print(f"storybank @ {args.url} | corpus {corpus} | {len(quote_qs)} quote queries "
          f"({len(para & {q['id'] for q in quote_qs})} paraphrase)\n")
    print("| mode | nDCG@10 | Recall@10 | MRR@10 | nDCG@10 paraphrase | Recall@10 paraphrase "
          "| nDCG@10 rest | p50 ms | p95 ms | took_ms p50 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for mode, m in report["modes"].items():
        a, p, r = m["all"], m["paraphrase"], m["rest"]
        print(f"| {mode} | {fmt(a['ndcg'])} | {fmt(a['recall'])} | {fmt(a['mrr'])} | {fmt(p['ndcg'])} | "
              f"{fmt(p['recall'])} | {fmt(r['ndcg'])} | {fmt(m['latency_ms']['p50'], 1)} | "
              f"{fmt(m['latency_ms']['p95'], 1)} | {fmt(m['took_ms']['p50'], 1)} |")
        for k, km in m["by_kind"].items():
            print(f"|   kind={k} (n={km['n']}) | {fmt(km['ndcg'])} | {fmt(km['recall'])} | {fmt(km['mrr'])} |")
    s = report["similar"]
    print(f"\nSimilar deals ({s['n']} queries): nDCG@5 {fmt(s['ndcg@5'])}, Recall@5 {fmt(s['recall@5'])}")
    if errors:
        print(f"\nRequest errors: {len(errors)} (first: {'; '.join(errors[:5])})")
    print(f"\nPII leaks: {len(leaks)} (in {len(cl.bodies)} response bodies)")
    for lk in leaks[:20]:
        print(f"  - {lk['pii']!r} in {lk['where']}: ...{lk['context']}...")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 3 if leaks else 0


def self_test():
    span = "Heapster was just a flat number, nobody had to do math."        # 11 words, 10 bigrams
    assert words("Flat-ish, a bit CHEAPER... didn't") == ["flatish", "a", "bit", "cheaper", "didnt"]
    assert hits(span, "Honestly heapster was just a flat number and that was it")       # 5/10 bigrams
    assert not hits(span, "heapster was just a flat")                                    # 4/10 < half
    assert hits("one two three four five", "x one two three")                            # exactly 2/4
    assert not hits(span, " ".join(["filler"] * 150) + " " + span)                       # past 150 words
    rel = [{"deal_id": "D1", "text": span, "grade": 2},
           {"deal_id": "D1", "text": "the security review took eleven weeks end to end", "grade": 1},
           {"deal_id": "D2", "text": "their onboarding team basically lived in our Slack", "grade": 2}]
    res = [("D9", span), ("D1", "so the security review took eleven weeks end to end, ugh"),
           ("D1", span + " and the security review took eleven weeks end to end"), ("D1", span)]
    gains, nd, rec, mrr = score_quotes(res, rel)
    assert gains == [0, 1, 2, 0], gains                  # wrong deal; grade 1; best newly hit; already credited
    exp = (1 / math.log2(3) + 2 / math.log2(4)) / (2 + 2 / math.log2(3) + 1 / math.log2(4))
    assert abs(nd - exp) < 1e-12 and abs(rec - 2 / 3) < 1e-12 and mrr == 0.5
    assert score_quotes([("D2", rel[2]["text"]), ("D1", rel[1]["text"])], rel[::-1][:2])[1] == 1.0
    assert score_quotes([], rel)[1:] == (0.0, 0.0, 0.0)
    nd5, r5 = score_similar(["A", "X", "B", "A"], ["A", "B", "C"])
    assert abs(nd5 - (1 + 0.5) / (1 + 1 / math.log2(3) + 0.5)) < 1e-12 and abs(r5 - 2 / 3) < 1e-12
    assert score_similar(["A", "B"], ["B", "A"]) == (1.0, 1.0)
    assert pii_pattern("Kayla").search("thanks, KAYLA.") and not pii_pattern("Kayla").search("Kaylanne")
    assert pii_pattern("Parcel & Pine").search("at parcel & pine we") and pii_pattern("+1 (555) 0100").search("x+1 (555) 0100")
    assert not pii_pattern("Tom").search("custom tomato") and pii_pattern("Tomás").search("tomás said")
    assert len(find_leaks(json.dumps({"text": "said:\nKayla é", "k": ["Kayla"]}), [("Kayla", pii_pattern("Kayla"))], "t")) == 2
    readme = "x\n- Paraphrase queries (no content words shared; checked\n  test): **q03, q06**. The rest: q01, q02.\n\n## PII\n q09"
    assert paraphrase_ids_from_readme(readme) == ["q03", "q06"]
    assert pct([5, 1, 3, 2, 4], .5) == 3 and pct([5, 1, 3, 2, 4], .95) == 5
    print("self-test: all assertions passed")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:7700")
    ap.add_argument("--corpus", help="corpus folder with queries.jsonl, pii.txt, deals.csv")
    ap.add_argument("--modes", default="keyword,semantic,hybrid")
    ap.add_argument("--json", help="write all numbers (and per-query scores) to this file")
    ap.add_argument("--paraphrase", help="comma-separated paraphrase query ids (default: parsed from README.md)")
    ap.add_argument("--self-test", action="store_true", help="run in-memory checks of the scoring, no server")
    a = ap.parse_args()
    if not a.self_test and not a.corpus:
        ap.error("--corpus is required")
    try:
        sys.exit(self_test() if a.self_test else run(a))
    except (urllib.error.URLError, OSError) as e:  # server went away mid-run
        sys.exit(f"error: request to {a.url} failed: {getattr(e, 'reason', e)}")
