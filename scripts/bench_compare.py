#!/usr/bin/env python3
"""storybank against a naive peer, in one run (issue 15 part 4). Standard library only.

For each corpus size (default 1k, 10k and 100k quotes) this script
  1. builds a corpus: the public QMSum meetings when present (../shared/data/qmsum, CC BY 4.0;
     repeated under new deal ids past its ~51k quotes), otherwise the bundled sample multiplied
     with varied wording (tests/fixtures/sample); every transcript is written as storybank's JSON
     transcript format, which both systems read;
  2. ingests it with storybank (`storybank ingest`, PII tagger on unless --no-pii-tagger) and with
     the peer (scripts/bench_peer.py: rank_bm25 + onnxruntime + numpy over the same model files,
     one chunk per utterance), timing it and recording the peak RSS;
  3. starts each server, timing the cold start (process start to the first 200 from /healthz);
  4. drives POST /v1/search (hybrid, limit 10, a different question per request so no cache
     answers) with 1 and 8 kept-alive clients (scripts/bench_concurrency.py), then reads the
     server's peak RSS (VmHWM) and the index size on disk.
It prints a Markdown table with storybank / peer ratios and writes every figure to
target/bench/compare.json.

Ingest speed is measured cold (no embedding cache) up to --cold-max quotes; bigger corpora are
built from embedding caches kept in target/bench/ (both systems alike, and marked "cached" in the
table), so a rerun takes minutes instead of an hour.

    python3 scripts/bench_compare.py --peer-python target/bench-venv/bin/python
"""
import argparse
import csv
import glob
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_concurrency import run as drive  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "target", "bench")
# Words per quote storybank's chunker produces from meeting speech (measured on QMSum: 1.58M
# words, 50,891 quotes): only used to choose how many meetings make a corpus of a given size.
WORDS_PER_QUOTE = 31


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Corpora


def read_sample_transcript(path):
    """The bundled sample's transcripts (.txt with speaker labels, .vtt, .json) as utterances."""
    text = open(path, encoding="utf-8").read()
    if path.endswith(".json"):
        return json.loads(text)
    interviewer, utterances = "", []
    if path.endswith(".vtt"):
        for speaker, words in re.findall(r"<v ([^>]+)>(.*?)</v>", text, re.S):
            utterances.append({"speaker": speaker.strip(), "start": None, "text": words.strip()})
    else:
        front = re.match(r"---\n(.*?)\n---\n", text, re.S)
        if front:
            m = re.search(r"^interviewer:\s*(.+)$", front.group(1), re.M)
            interviewer = m.group(1).strip() if m else ""
            text = text[front.end():]
        for line in text.splitlines():
            m = re.match(r"^(?:\[[\d:.]+\]\s*)?([^:\[\]]{2,80}?)(?:\s*\([^)]*\))?:\s+(.+)$", line)
            if m:
                utterances.append({"speaker": m.group(1).strip(), "start": None, "text": m.group(2)})
    return {"interviewer": interviewer, "utterances": utterances}


# Rewordings that keep a passage plausible while making each copy's text (and embedding) its own.
OPENERS = ["", "Honestly, ", "I mean, ", "To be fair, ", "Look, ", "So, ", "Frankly, ", "Well, "]
SWAPS = [
    ("price", "cost"), ("pricing", "the price"), ("team", "group"), ("weeks", "months"),
    ("invoices", "bills"), ("really", "truly"), ("big", "large"), ("quick", "fast"),
    ("problem", "issue"), ("easy", "simple"), ("people", "folks"), ("said", "told us"),
    ("month", "quarter"), ("support", "help desk"), ("contract", "agreement"),
]
NUMBERS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve"]


def vary(text, rng):
    words = text.split(" ")
    for i, word in enumerate(words):
        bare = word.strip(".,;:!?").lower()
        if bare in NUMBERS and rng.random() < 0.7:
            words[i] = word.replace(bare, rng.choice(NUMBERS))
        for a, b in SWAPS:
            if bare == a and rng.random() < 0.5:
                words[i] = word.replace(a, b)
    text = " ".join(words)
    opener = rng.choice(OPENERS)
    return opener + (text[0].lower() + text[1:] if opener and text[:1].isupper() else text)


def source_meetings(qmsum):
    """(deal row, transcript dict) pairs of the source corpus, in a fixed order."""
    if qmsum:
        rows = {r["deal_id"]: r for r in csv.DictReader(open(os.path.join(qmsum, "deals.csv")))}
        for path in sorted(glob.glob(os.path.join(qmsum, "transcripts", "*.json"))):
            deal_id = os.path.splitext(os.path.basename(path))[0]
            if deal_id in rows:
                yield rows[deal_id], json.load(open(path, encoding="utf-8"))
        return
    sample = os.path.join(ROOT, "tests", "fixtures", "sample")
    rows = {r["deal_id"]: r for r in csv.DictReader(open(os.path.join(sample, "deals.csv")))}
    for path in sorted(glob.glob(os.path.join(sample, "transcripts", "*"))):
        deal_id = os.path.splitext(os.path.basename(path))[0]
        if deal_id in rows:
            yield rows[deal_id], read_sample_transcript(path)


def build_corpus(out, target, qmsum):
    """Writes a corpus of about `target` quotes to `out` (reused when already built)."""
    done = os.path.join(out, "BUILT")
    if os.path.exists(done):
        return json.load(open(done))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "transcripts"))
    meetings = list(source_meetings(qmsum))
    if not meetings:
        raise SystemExit("bench: no source meetings found")
    fields = list(meetings[0][0].keys())
    rows, estimate, copy = [], 0, 0
    while estimate < target:
        for row, transcript in meetings:
            if estimate >= target:
                break
            deal_id = row["deal_id"] if copy == 0 else f"{row['deal_id']}-{copy}"
            rng = random.Random(f"{deal_id}")
            interviewer = transcript.get("interviewer") or row.get("interviewer") or ""
            utterances = []
            for u in transcript["utterances"]:
                text = u["text"]
                # The sample is small: every copy after the first is reworded. QMSum's own copies
                # repeat it verbatim (it is real speech; the cache is what keeps reruns short).
                if copy and not qmsum and u["speaker"] != interviewer:
                    text = vary(text, rng)
                utterances.append({"speaker": u["speaker"], "start": u.get("start"), "text": text})
                if u["speaker"] != interviewer:
                    estimate += len(text.split()) / WORDS_PER_QUOTE
            doc = {"deal_id": deal_id, "interviewer": interviewer,
                   "date": transcript.get("date") or "2025-06-01", "utterances": utterances}
            with open(os.path.join(out, "transcripts", deal_id + ".json"), "w", encoding="utf-8") as f:
                json.dump(doc, f)
            rows.append(dict(row, deal_id=deal_id))
        copy += 1
    with open(os.path.join(out, "deals.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    info = {"deals": len(rows), "estimated_quotes": int(estimate),
            "source": "qmsum" if qmsum else "sample (varied copies)"}
    json.dump(info, open(done, "w"))
    return info


# ---------------------------------------------------------------------------------------------
# Processes


def timed_run(cmd, stdout_path, env=None):
    """Runs `cmd` to completion: (seconds, peak RSS in MiB, exit code)."""
    started = time.monotonic()
    with open(stdout_path, "w") as out, open(stdout_path + ".err", "w") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    return seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def dir_mib(path):
    total = 0
    for base, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(base, name))
            except OSError:
                pass
    return total / 2**20


def healthy(url):
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=1) as r:
            return r.status == 200
    except Exception:
        return False


def start_server(cmd, url, log_path, timeout=600):
    """Starts a server and waits for /healthz: (process, cold start seconds)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(log_path, "w"))
    while not healthy(url):
        if proc.poll() is not None:
            raise SystemExit(f"bench: server exited early ({' '.join(cmd)}); see {log_path}")
        if time.monotonic() - started > timeout:
            proc.kill()
            raise SystemExit(f"bench: server not healthy after {timeout} s; see {log_path}")
        time.sleep(0.02)
    return proc, time.monotonic() - started


def peak_rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def load(url, seconds, clients_list):
    headers = {"content-type": "application/json"}
    drive(url, 2, 2, False, headers, warmup=True)  # warm up: pages, the model's first runs
    return {str(c): drive(url, c, seconds, False, headers) for c in clients_list}


# ---------------------------------------------------------------------------------------------
# The two systems


def measure_serving(cmd, port, index, log_path, seconds):
    """Starts a server, drives 1 and 8 clients, stops it: cold start, peak RSS, size, load."""
    url = f"http://127.0.0.1:{port}"
    proc, cold_start = start_server(cmd, url, log_path)
    try:
        runs = load(url, seconds, [1, 8])
        rss_serve = peak_rss_mib(proc.pid)
    finally:
        stop(proc)
    return {"cold_start_s": cold_start, "serve_rss_mib": rss_serve,
            "index_mib": dir_mib(index), "search": runs}


def storybank(size_name, corpus, cold, args):
    index = os.path.join(WORK, f"compare-{size_name}-storybank")
    shutil.rmtree(index, ignore_errors=True)
    cmd = [args.bin, "--index", index]
    if not cold:
        # Built from the embedding cache the QMSum bench keeps; the tagger is what the cold
        # runs measure (and QMSum's speakers are role labels already).
        cmd += ["--embed-cache", os.path.join(WORK, "embed-cache.bin"), "--no-pii-tagger"]
    elif args.no_pii_tagger:
        cmd.append("--no-pii-tagger")
    out = os.path.join(WORK, f"compare-{size_name}-storybank-ingest.json")
    seconds, rss, code = timed_run(cmd + ["ingest", corpus, "--json"], out)
    if code != 0:
        raise SystemExit(f"bench: storybank ingest failed ({code}); see {out}.err")
    report = json.load(open(out))
    serve = [args.bin, "--index", index, "serve", "--addr", f"127.0.0.1:{args.port}"]
    return dict(measure_serving(serve, args.port, index, out + ".serve.log", args.seconds),
                quotes=report["quotes"], ingest_s=seconds, ingest_rss_mib=rss,
                ingest_qps=report["quotes"] / seconds, cold_cache=cold)


def peer(size_name, corpus, cold, args):
    index = os.path.join(WORK, f"compare-{size_name}-peer")
    shutil.rmtree(index, ignore_errors=True)
    script = os.path.join(ROOT, "scripts", "bench_peer.py")
    cmd = [args.peer_python, script, "build", "--corpus", corpus, "--model", args.model, "--out", index]
    if not cold:
        cmd += ["--cache", os.path.join(WORK, "compare-peer-cache.pkl")]
    out = os.path.join(WORK, f"compare-{size_name}-peer-build.json")
    seconds, rss, code = timed_run(cmd, out)
    if code != 0:
        raise SystemExit(f"bench: peer build failed ({code}); see {out}.err")
    report = json.loads(open(out).read().strip().splitlines()[-1])
    serve = [args.peer_python, script, "serve", "--index", index, "--model", args.model,
             "--addr", f"127.0.0.1:{args.port + 1}"]
    return dict(measure_serving(serve, args.port + 1, index, out + ".serve.log", args.seconds),
                chunks=report["chunks"], ingest_s=seconds, ingest_rss_mib=rss,
                ingest_qps=report["chunks"] / seconds, cold_cache=cold)


# ---------------------------------------------------------------------------------------------
# Report


def ratio(a, b):
    return f"{a / b:.1f}x" if a and b else "n/a"


def table(results, machine):
    lines = [f"Machine: {machine}", "",
             "| corpus | system | units | ingest s (units/s) | QPS 1 client | p50 / p99 ms (1) "
             "| QPS 8 clients | p50 / p99 ms (8) | peak RSS serving | index on disk | cold start |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for size_name, r in results.items():
        for system in ("storybank", "peer"):
            s = r.get(system)
            if not s:
                continue
            one, eight = s["search"]["1"], s["search"]["8"]
            units = f"{s['quotes']:,} quotes" if system == "storybank" else f"{s['chunks']:,} utterances"
            cached = "" if s["cold_cache"] else " (cached)"
            lines.append(
                f"| {size_name} | {system} | {units} | {s['ingest_s']:.1f} ({s['ingest_qps']:.0f}){cached} | {one['qps']} | "
                f"{one['p50_ms']} / {one['p99_ms']} | {eight['qps']} | {eight['p50_ms']} / {eight['p99_ms']} | "
                f"{s['serve_rss_mib']:.0f} MiB | {s['index_mib']:.0f} MiB | {s['cold_start_s']:.2f} s |")
        if r.get("storybank") and r.get("peer"):
            sb, pe = r["storybank"], r["peer"]
            one, eight = (sb["search"]["1"], pe["search"]["1"]), (sb["search"]["8"], pe["search"]["8"])
            lines.append(
                f"| {size_name} | **storybank's edge** | | {ratio(pe['ingest_s'], sb['ingest_s'])} "
                f"| **{ratio(one[0]['qps'], one[1]['qps'])}** "
                f"| {ratio(one[1]['p50_ms'], one[0]['p50_ms'])} "
                f"| **{ratio(eight[0]['qps'], eight[1]['qps'])}** "
                f"| {ratio(eight[1]['p50_ms'], eight[0]['p50_ms'])} "
                f"| {ratio(pe['serve_rss_mib'], sb['serve_rss_mib'])} "
                f"| {ratio(pe['index_mib'], sb['index_mib'])} "
                f"| {ratio(pe['cold_start_s'], sb['cold_start_s'])} |")
    lines += ["", "Edge: storybank's QPS over the peer's; the peer's time, latency, memory, size or "
              "cold start over storybank's (above 1x storybank is ahead, below it the peer is). "
              "Ingest compares seconds for the same corpus (storybank also tags and anonymizes it)."]
    return "\n".join(lines)


def machine():
    model = ""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {mem / 2**20:.0f} GiB, {model}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="target quotes per corpus")
    parser.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "storybank"))
    parser.add_argument("--model", default=os.path.join(ROOT, ".models", "bge-small-en-v1.5-int8"))
    parser.add_argument("--peer-python", help="a python with the peer's packages (no peer without)")
    parser.add_argument("--qmsum", default=os.environ.get("QMSUM_DIR", os.path.join(ROOT, "..", "shared", "data", "qmsum")))
    parser.add_argument("--cold-max", type=int, default=10000, help="largest corpus ingested without caches")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of load per client count")
    parser.add_argument("--port", type=int, default=7820)
    parser.add_argument("--no-pii-tagger", action="store_true")
    parser.add_argument("--only", choices=["storybank", "peer"])
    parser.add_argument("--report", action="store_true", help="print the table of the last run")
    args = parser.parse_args()
    results_path = os.path.join(WORK, "compare.json")
    if args.report:
        last = json.load(open(results_path))
        print(table(last["results"], last["machine"]))
        return
    qmsum = args.qmsum if os.path.exists(os.path.join(args.qmsum, "deals.csv")) else None
    log(f"corpora from {'QMSum at ' + qmsum if qmsum else 'the bundled sample (QMSum not found)'}")
    os.makedirs(WORK, exist_ok=True)
    results = {}
    for target in [int(s) for s in args.sizes.split(",")]:
        size_name = f"{target // 1000}k" if target >= 1000 else str(target)
        corpus = os.path.join(WORK, f"compare-{size_name}-{'qmsum' if qmsum else 'sample'}-corpus")
        info = build_corpus(corpus, target, qmsum)
        cold = target <= args.cold_max
        log(f"{size_name}: {info['deals']} deals, ~{info['estimated_quotes']:,} quotes "
            f"({'cold' if cold else 'cached'} ingest)")
        r = {"corpus": info}
        if args.only in (None, "storybank"):
            r["storybank"] = storybank(size_name, corpus, cold, args)
            log(f"{size_name} storybank: {json.dumps(r['storybank'])}")
        if args.only in (None, "peer") and args.peer_python:
            r["peer"] = peer(size_name, corpus, cold, args)
            log(f"{size_name} peer: {json.dumps(r['peer'])}")
        elif args.only in (None, "peer"):
            log("SKIPPED the peer: no --peer-python with its packages")
        results[size_name] = r
        json.dump({"machine": machine(), "results": results}, open(results_path, "w"), indent=1)
    print(table(results, machine()))
    log(f"figures in {results_path}")


if __name__ == "__main__":
    main()
