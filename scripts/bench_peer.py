#!/usr/bin/env python3
"""A naive hybrid search server over a storybank corpus: the peer of the benchmark (issue 15).

What it is
    The baseline storybank's benchmark compares against: what a competent engineer would write
    in an afternoon with off-the-shelf Python libraries to serve the same corpus over the same
    HTTP contract (POST /v1/search, GET /healthz) with the same embedding model files.

Why it is naive on purpose
    It is meant to be honest, not sabotaged and not tuned. One chunk per utterance (the
    interviewer's turns and empty texts skipped), no anonymization, no context, no themes, no
    competitor aliases. Passages are embedded in batches of similar length, padded to the longest
    of the batch (what sentence-transformers' `encode` does);
    BM25 is rank_bm25's BM25Okapi over lowercase `\\w+` tokens. A search embeds the query, scores
    every chunk with one numpy matrix-vector product and every chunk again with
    `BM25Okapi.get_scores` (rank_bm25 has no inverted index), masks filtered-out deals, and, in
    hybrid mode, fuses the top 100 of each list by reciprocal rank fusion (k = 60). The
    embedding text handling matches storybank's `src/embed.rs` for bge-small-en-v1.5: CLS
    pooling, L2 normalization, the bge query instruction on queries only, 512 tokens at most.

How to run (Python 3.11, in a venv with the packages of the `requires` line)
    python3 scripts/bench_peer.py build --corpus DIR --model DIR --out DIR [--cache FILE]
        [--batch 32] [--threads N]
    python3 scripts/bench_peer.py serve --index DIR --model DIR --addr 127.0.0.1:PORT
        [--threads N]

    `build` reads DIR/deals.csv and DIR/transcripts/<deal_id>.json and writes to --out:
    chunks.jsonl, embeddings.npy (float32, one unit row per chunk), bm25.pkl (the pickled
    BM25Okapi) and meta.json. --cache FILE is a pickled {sha1(text) -> vector} dict, read at start
    and written at the end (also when interrupted), so a rebuild only embeds new texts; a text
    that occurs many times is embedded once ("embedded" counts distinct texts computed,
    "cache_hits" the chunks whose text was in the cache at start). It prints one JSON line to
    stdout: {"chunks", "deals", "elapsed_ms", "embed_ms", "embedded", "cache_hits"}; progress
    goes to stderr.

    Texts are sorted by length before batching (in corpus order, one long utterance padded its
    whole batch: 3.4x slower on QMSum). The int8 model quantizes activations per call, so a
    text's vector depends a little on its batch (cosine ~0.995 to the one-text vector); the
    cache keeps whichever vectors were computed first.

    `serve` loads the index and the model, then binds the socket (so "process start -> first 200
    from /healthz" is the cold start) and serves HTTP/1.1 keep-alive on a ThreadingHTTPServer
    until SIGTERM or SIGINT (exit status 0). Requests are not logged.

    --threads N sets the ONNX Runtime session's intra-op threads; 0 (the default) keeps ONNX
    Runtime's default session options (one thread per physical core).

    GET  /healthz    -> 200 {"status": "ok", "quotes": N, "deals": D, "model": NAME}
    POST /v1/search  {"query": str, "limit": 1..100 (10), "mode": "hybrid"|"keyword"|"semantic",
                      "filters": {"outcome"|"competitor"|"segment"|"industry"|"region"|
                                  "buyer_persona"|"loss_reason"|"win_reason": str or [str],
                                  "closed_after"|"closed_before": "YYYY-MM-DD"}}
                     -> 200 {"results": [{"quote_id", "deal_id", "text", "context": null, "speaker",
                             "deal": {...}, "source": {"transcript", "start_seconds"}, "score"}],
                             "took_ms": int}
    Filters are case-insensitive, AND across keys, any-of within a list. Errors are
    {"error": {"code", "message"}}: 400 invalid_request (blank query, bad JSON or field, a filter
    the peer does not know), 404 not_found, 405 method_not_allowed, 500 internal.

# requires: onnxruntime==1.24.4 numpy==2.4.6 rank_bm25==0.2.2 tokenizers==0.23.3
"""

import argparse
import csv
import hashlib
import json
import os
import pickle
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import onnxruntime as ort
from rank_bm25 import BM25Okapi
from tokenizers import Tokenizer

QUERY_PREFIX = "Represent this sentence for searching relevant passages: "
MAX_TOKENS = 512
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
CANDIDATES = 100  # per retriever, before fusion
RRF_K = 60
WORD = re.compile(r"\w+")
# Filter keys matched against one deal field (case-insensitive equality, any-of a list).
FIELD_FILTERS = {
    "outcome": "outcome",
    "segment": "segment",
    "industry": "industry",
    "region": "region",
    "buyer_persona": "buyer_persona",
    "loss_reason": "loss_reason",
    "win_reason": "win_reason",
}
DEAL_FIELDS = ["outcome", "competitors", "segment", "industry", "region", "buyer_persona",
               "loss_reason", "win_reason", "close_date"]


def tokenize(text):
    """BM25 tokens: lowercase words."""
    return WORD.findall(text.lower())


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Embedding


class Embedder:
    """bge-small-en-v1.5 through onnxruntime: CLS pooling, L2 normalized."""

    def __init__(self, model_dir, threads=0):
        model_dir = Path(model_dir)
        self.name = model_dir.resolve().name
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in a batch
        options = ort.SessionOptions()
        if threads > 0:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(
            str(model_dir / "model.onnx"), sess_options=options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def embed(self, texts):
        """Unit vectors (float32, one row per text) of one batch."""
        encodings = self.tokenizer.encode_batch(texts)
        feed = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        feed = {name: value for name, value in feed.items() if name in self.inputs}
        hidden = self.session.run(None, feed)[0]  # (batch, tokens, dim): last_hidden_state
        cls = hidden[:, 0, :].astype(np.float32)
        norms = np.linalg.norm(cls, axis=1, keepdims=True)
        return cls / np.maximum(norms, 1e-12)

    def embed_query(self, query):
        return self.embed([QUERY_PREFIX + query])[0]


# ---------------------------------------------------------------------------------------------
# build


def clean(value):
    value = (value or "").strip()
    return value or None


def read_deals(corpus):
    """deal_id -> served deal metadata, from deals.csv (missing file: no metadata)."""
    deals = {}
    path = corpus / "deals.csv"
    if not path.exists():
        return deals
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            deal_id = clean(row.get("deal_id"))
            if not deal_id:
                continue
            deals[deal_id] = {
                "outcome": clean(row.get("outcome")),
                "competitors": [c.strip() for c in (row.get("competitors") or "").split(";")
                                if c.strip()],
                "segment": clean(row.get("segment")),
                "industry": clean(row.get("industry")),
                "region": clean(row.get("region")),
                "buyer_persona": clean(row.get("buyer_persona")),
                "loss_reason": clean(row.get("loss_reason")),
                "win_reason": clean(row.get("win_reason")),
                "close_date": clean(row.get("close_date")),
            }
    return deals


def read_chunks(corpus):
    """One chunk per non-empty utterance not spoken by the transcript's interviewer."""
    deals = read_deals(corpus)
    chunks = []
    for path in sorted((corpus / "transcripts").glob("*.json")):
        with open(path, encoding="utf-8") as f:
            transcript = json.load(f)
        deal_id = transcript.get("deal_id") or path.stem
        interviewer = (transcript.get("interviewer") or "").strip()
        deal = deals.get(deal_id) or {field: None for field in DEAL_FIELDS}
        if deal.get("competitors") is None:
            deal["competitors"] = []
        n = 0
        for utterance in transcript.get("utterances") or []:
            text = (utterance.get("text") or "").strip()
            speaker = utterance.get("speaker") or ""
            if not text or (interviewer and speaker == interviewer):
                continue
            n += 1
            start = utterance.get("start")
            chunks.append({
                "id": f"{deal_id}-q{n:03d}",
                "deal_id": deal_id,
                "text": text,
                "speaker": speaker,
                "start": float(start) if isinstance(start, (int, float)) else None,
                "transcript": path.name,
                "deal": deal,
            })
    return chunks


def text_key(text):
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def load_cache(path, model_name):
    """{sha1 hex -> float32 bytes} from a cache file made with the same model, else empty."""
    if not path or not os.path.exists(path):
        return {}
    try:
        with open(path, "rb") as f:
            cache = pickle.load(f)
    except Exception as err:  # a broken cache is only a slower build
        log(f"bench_peer: ignoring unreadable cache {path} ({err})")
        return {}
    if cache.get("model") != model_name:
        log(f"bench_peer: ignoring cache {path} made with model {cache.get('model')}")
        return {}
    return cache.get("vectors", {})


def save_cache(path, model_name, vectors):
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        pickle.dump({"model": model_name, "vectors": vectors}, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def build(args):
    started = time.perf_counter()
    corpus, out = Path(args.corpus), Path(args.out)
    chunks = read_chunks(corpus)
    if not chunks:
        sys.exit(f"bench_peer: no utterances under {corpus / 'transcripts'}")
    log(f"bench_peer: {len(chunks)} chunks in {len({c['deal_id'] for c in chunks})} deals")

    embedder = Embedder(args.model, args.threads)
    cache = load_cache(args.cache, embedder.name)
    keys = [text_key(c["text"]) for c in chunks]
    missing = []  # texts to embed, each once
    seen = set()
    for key, chunk in zip(keys, chunks):
        if key not in cache and key not in seen:
            seen.add(key)
            missing.append((key, chunk["text"]))
    cache_hits = len(chunks) - sum(1 for k in keys if k in seen)
    missing.sort(key=lambda item: len(item[1]))  # similar lengths share a batch: little padding

    embed_ms = 0.0
    embedded = 0
    try:
        last_report = time.perf_counter()
        for i in range(0, len(missing), args.batch):
            batch = missing[i:i + args.batch]
            t = time.perf_counter()
            vectors = embedder.embed([text for _, text in batch])
            embed_ms += (time.perf_counter() - t) * 1000
            for (key, _), vector in zip(batch, vectors):
                cache[key] = vector.tobytes()
            embedded += len(batch)
            if time.perf_counter() - last_report > 30:
                last_report = time.perf_counter()
                log(f"bench_peer: embedded {embedded}/{len(missing)} "
                    f"({embedded / max(embed_ms / 1000, 1e-9):.0f}/s)")
    finally:  # keep what was computed, even on Ctrl-C
        if args.cache and embedded:
            save_cache(args.cache, embedder.name, cache)

    embeddings = np.stack([np.frombuffer(cache[k], dtype=np.float32) for k in keys])
    bm25 = BM25Okapi([tokenize(c["text"]) for c in chunks])

    out.mkdir(parents=True, exist_ok=True)
    with open(out / "chunks.jsonl", "w", encoding="utf-8") as f:
        for chunk in chunks:
            f.write(json.dumps(chunk, ensure_ascii=False) + "\n")
    np.save(out / "embeddings.npy", embeddings.astype(np.float32))
    with open(out / "bm25.pkl", "wb") as f:
        pickle.dump(bm25, f, protocol=pickle.HIGHEST_PROTOCOL)
    deals = len({c["deal_id"] for c in chunks})
    with open(out / "meta.json", "w") as f:
        json.dump({"model": embedder.name, "chunks": len(chunks), "deals": deals}, f)

    print(json.dumps({
        "chunks": len(chunks),
        "deals": deals,
        "elapsed_ms": round((time.perf_counter() - started) * 1000),
        "embed_ms": round(embed_ms),
        "embedded": embedded,
        "cache_hits": cache_hits,
    }), flush=True)


# ---------------------------------------------------------------------------------------------
# serve


class BadRequest(Exception):
    pass


def one_or_many(key, value):
    """A filter value as a set of lowercase strings."""
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        raise BadRequest(f"filters.{key} must be a string or a non-empty list of strings")
    return {v.strip().lower() for v in values}


def lower(value):
    return (value or "").lower()


class Index:
    """The persisted index, in memory."""

    def __init__(self, index_dir, model_dir, threads=0):
        index_dir = Path(index_dir)
        with open(index_dir / "chunks.jsonl", encoding="utf-8") as f:
            self.chunks = [json.loads(line) for line in f if line.strip()]
        self.embeddings = np.load(index_dir / "embeddings.npy")
        with open(index_dir / "bm25.pkl", "rb") as f:
            self.bm25 = pickle.load(f)
        self.embedder = Embedder(model_dir, threads)
        # Deals and each chunk's deal, so a filter is evaluated once per deal.
        self.deal_ids = sorted({c["deal_id"] for c in self.chunks})
        position = {deal_id: i for i, deal_id in enumerate(self.deal_ids)}
        self.deals = [None] * len(self.deal_ids)
        for chunk in self.chunks:
            self.deals[position[chunk["deal_id"]]] = chunk["deal"]
        self.chunk_deal = np.array([position[c["deal_id"]] for c in self.chunks], dtype=np.int64)

    def mask(self, filters):
        """Chunks allowed by the filters (None: all)."""
        if not filters:
            return None
        tests = []
        for key, value in filters.items():
            if value is None:
                continue
            if key in FIELD_FILTERS:
                wanted, field = one_or_many(key, value), FIELD_FILTERS[key]
                tests.append(lambda d, w=wanted, f=field: lower(d.get(f)) in w)
            elif key == "competitor":
                wanted = one_or_many(key, value)
                tests.append(lambda d, w=wanted: any(c.lower() in w for c in d["competitors"]))
            elif key in ("closed_after", "closed_before"):
                if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise BadRequest(f"filters.{key} must be a YYYY-MM-DD date")
                if key == "closed_after":
                    tests.append(lambda d, v=value: bool(d.get("close_date")) and d["close_date"] >= v)
                else:
                    tests.append(lambda d, v=value: bool(d.get("close_date")) and d["close_date"] <= v)
            else:
                raise BadRequest(f"filters.{key} is not supported")
        if not tests:
            return None
        allowed = np.array([all(test(deal) for test in tests) for deal in self.deals], dtype=bool)
        return allowed[self.chunk_deal]

    @staticmethod
    def top(scores, mask, n, positive_only=False):
        """Indices of the n best scores (best first) among allowed chunks."""
        candidates = np.arange(len(scores)) if mask is None else np.flatnonzero(mask)
        if positive_only:
            candidates = candidates[scores[candidates] > 0]
        if len(candidates) > n:
            best = np.argpartition(-scores[candidates], n - 1)[:n]
            candidates = candidates[best]
        order = np.argsort(-scores[candidates], kind="stable")
        return candidates[order]

    def search(self, query, mode, limit, filters):
        mask = self.mask(filters)
        ranked = []  # (chunk index, score)
        if mode in ("keyword", "hybrid"):
            bm25_scores = self.bm25.get_scores(tokenize(query))
            keyword = self.top(bm25_scores, mask, max(limit, CANDIDATES), positive_only=True)
        if mode in ("semantic", "hybrid"):
            dense_scores = self.embeddings @ self.embedder.embed_query(query)
            semantic = self.top(dense_scores, mask, max(limit, CANDIDATES))
        if mode == "keyword":
            ranked = [(int(i), float(bm25_scores[i])) for i in keyword[:limit]]
        elif mode == "semantic":
            ranked = [(int(i), float(dense_scores[i])) for i in semantic[:limit]]
        else:
            fused = {}
            for hits in (keyword[:CANDIDATES], semantic[:CANDIDATES]):
                for rank, i in enumerate(hits, start=1):
                    fused[int(i)] = fused.get(int(i), 0.0) + 1.0 / (RRF_K + rank)
            ranked = sorted(fused.items(), key=lambda item: -item[1])[:limit]
        return [self.result(i, score) for i, score in ranked]

    def result(self, i, score):
        chunk = self.chunks[i]
        return {
            "quote_id": chunk["id"],
            "deal_id": chunk["deal_id"],
            "text": chunk["text"],
            "context": None,
            "speaker": chunk["speaker"],
            "deal": {field: chunk["deal"].get(field) for field in DEAL_FIELDS},
            "source": {"transcript": chunk["transcript"], "start_seconds": chunk["start"]},
            "score": score,
        }


def parse_search(body):
    """(query, mode, limit, filters) of a POST /v1/search body, or BadRequest."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise BadRequest(f"the body is not valid JSON ({err})")
    if not isinstance(request, dict):
        raise BadRequest("the body must be a JSON object")
    query = request.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("query must be a non-blank string")
    mode = request.get("mode") or "hybrid"
    if mode not in ("hybrid", "keyword", "semantic"):
        raise BadRequest("mode must be hybrid, keyword or semantic")
    limit = request.get("limit")
    if limit is None:
        limit = DEFAULT_LIMIT
    if isinstance(limit, float) and limit.is_integer():
        limit = int(limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    filters = request.get("filters") or {}
    if not isinstance(filters, dict):
        raise BadRequest("filters must be an object")
    return query, mode, limit, filters


def make_handler(index):
    health = json.dumps({"status": "ok", "quotes": len(index.chunks),
                         "deals": len(index.deal_ids), "model": index.embedder.name}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every keep-alive response.
        disable_nagle_algorithm = True

        def log_message(self, format, *args):  # no per-request logging
            pass

        def send_json(self, status, payload):
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def send_error_json(self, status, code, message):
            self.send_json(status, {"error": {"code": code, "message": message}})

        def read_body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length > 0 else b""

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self.send_json(200, health)
            elif path == "/v1/search":
                self.send_error_json(405, "method_not_allowed", "use POST")
            else:
                self.send_error_json(404, "not_found", "no such endpoint")

        def do_POST(self):
            body = self.read_body()  # always drained, so the connection stays usable
            path = self.path.split("?", 1)[0]
            if path != "/v1/search":
                code = (405, "method_not_allowed", "use GET") if path == "/healthz" else \
                    (404, "not_found", "no such endpoint")
                self.send_error_json(*code)
                return
            started = time.perf_counter()
            try:
                query, mode, limit, filters = parse_search(body)
                results = index.search(query, mode, limit, filters)
            except BadRequest as err:
                self.send_error_json(400, "invalid_request", str(err))
                return
            except Exception as err:
                self.send_error_json(500, "internal", f"{type(err).__name__}: {err}")
                return
            took_ms = round((time.perf_counter() - started) * 1000)
            self.send_json(200, {"results": results, "took_ms": took_ms})

    return Handler


def serve(args):
    host, _, port = args.addr.rpartition(":")
    if not host or not port.isdigit():
        sys.exit(f"bench_peer: --addr must be HOST:PORT, not {args.addr}")
    # Until the server runs, a signal just ends the process.
    stop = lambda signum, frame: sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    started = time.perf_counter()
    index = Index(args.index, args.model, args.threads)
    server = ThreadingHTTPServer((host, int(port)), make_handler(index))  # binds here
    server.daemon_threads = True
    log(f"bench_peer: {len(index.chunks)} chunks loaded in "
        f"{(time.perf_counter() - started) * 1000:.0f} ms; listening on {args.addr}")

    def shutdown(signum, frame):  # serve_forever runs on this thread: stop it from another
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    server.serve_forever(poll_interval=0.5)
    server.server_close()
    log("bench_peer: stopped")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="parse, embed and index a corpus folder")
    b.add_argument("--corpus", required=True, help="folder with deals.csv and transcripts/")
    b.add_argument("--model", required=True, help="folder with model.onnx and tokenizer.json")
    b.add_argument("--out", required=True, help="index folder to write")
    b.add_argument("--cache", help="embedding cache file (pickle), read and rewritten")
    b.add_argument("--batch", type=int, default=32, help="passages per model call (32)")
    b.add_argument("--threads", type=int, default=0, help="ONNX Runtime intra-op threads "
                   "(0: its default)")
    s = commands.add_parser("serve", help="serve a built index over HTTP")
    s.add_argument("--index", required=True, help="folder written by build")
    s.add_argument("--model", required=True, help="folder with model.onnx and tokenizer.json")
    s.add_argument("--addr", default="127.0.0.1:8088", help="HOST:PORT (127.0.0.1:8088)")
    s.add_argument("--threads", type=int, default=0, help="ONNX Runtime intra-op threads "
                   "(0: its default)")
    args = parser.parse_args()
    if args.command == "build":
        if args.batch < 1:
            parser.error("--batch must be at least 1")

        def interrupt(signum, frame):  # SIGTERM like Ctrl-C: the cache is still written
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, interrupt)
        try:
            build(args)
        except KeyboardInterrupt:
            sys.exit("bench_peer: interrupted")
    else:
        serve(args)


if __name__ == "__main__":
    main()
