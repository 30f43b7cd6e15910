#!/usr/bin/env python3
"""Builds an ONNX encoder for sentence-transformers/all-mpnet-base-v2 from its safetensors
weights, without torch; run by `scripts/setup --mpnet` in the converter's venv of pinned PyPI
packages (onnx, numpy, onnxruntime), output checked against a fixed sha256.

    python convert_mpnet.py SRC_DIR OUT.onnx          # 8-bit weights (what setup installs)
    python convert_mpnet.py --fp32 SRC_DIR OUT.onnx   # float32 reference graph
    python convert_mpnet.py --verify SRC_DIR FP32.onnx [Q8.onnx]
        # checks the graph against an independent numpy forward pass (needs `tokenizers`)

SRC_DIR holds model.safetensors and config.json. The graph takes input_ids and attention_mask
(int64, [batch, seq]) and returns last_hidden_state ([batch, seq, 768]); storybank mean-pools
and L2-normalises it itself. What it computes (transformers' MPNetModel, eval mode):
  - embeddings: word + position, positions counted from padding_idx + 1 over the non-pad
    tokens (pad id 1, as RoBERTa), then LayerNorm;
  - 12 post-LayerNorm layers: packed QKV projection (1/sqrt(64) folded into Q), scores plus
    MPNet's relative position bias (encoder.relative_attention_bias, shared by all layers:
    bidirectional buckets, 32 buckets, max distance 128, over the plain 0..seq-1 positions)
    plus the key padding mask, softmax, output projection, residual + LayerNorm, exact (erf)
    GELU feed-forward, residual + LayerNorm; eps from config.json.
The bias for every relative distance -511..511 is precomputed into a [1023, 12] table, so the
graph only gathers it by (j - i).

8-bit variant (what setup installs): every weight MatMul -> com.microsoft MatMulNBits, bits=8,
block 32, symmetric (convert_tagger.matmul_to_q8, accuracy_level 4: int8 compute), and the
word-embedding table as int8 rows with a float32 scale per row (dequantized after the Gather):
116 MiB instead of 416 MiB.

Measured 2026-12-04 (onnxruntime 1.24.4, `--verify`; latency on the shared 2-core VM, one
thread, 5-12-token queries, p50 over 6 interleaved rounds, other jobs running):
  - float32 graph against the independent numpy forward pass (float64, below): max |diff|
    7.8e-07 on a padded batch of 10 sentences, 7.9e-07 on one 512-token input;
  - 8-bit block 32 against float32, 50 varied sentences one per call: cosine min 0.99928,
    mean 0.99970; storybank eval on the dev corpus: hybrid nDCG@10 0.549 (float32 0.551);
  - block 128: cosine min 0.99786, dev hybrid nDCG@10 0.541 (paraphrases 0.364 against 0.386):
    not kept, though ~15% faster (19.5 against 22 ms per query);
  - onnxruntime quantize_dynamic (int8 weights and per-tensor int8 activations): cosine min
    0.50 (0.76 per-channel): the feed-forward output MatMul's inputs have outliers; not kept;
  - per query: float32 ~41 ms, 8-bit block 32 ~22 ms (bge-small int8, the default: ~5 ms).
"""
import json, math, os, struct, sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_tagger import matmul_to_q8  # noqa: E402

OPSET = 17
BLOCK = 32               # 8-bit block size along K (128 measured worse on dev: below)
MAX_LEN = 512            # storybank truncates at 512 tokens; positions up to 513 < 514


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        f.seek(0)
        data = f.read()
    dtypes = {'F32': np.float32, 'I64': np.int64}
    out = {}
    for name, meta in header.items():
        if name == '__metadata__':
            continue
        start, end = meta['data_offsets']
        arr = np.frombuffer(data, dtype=np.dtype(dtypes[meta['dtype']]).newbyteorder('<'),
                            count=(end - start) // np.dtype(dtypes[meta['dtype']]).itemsize,
                            offset=base + start)
        out[name] = arr.reshape(meta['shape']).astype(dtypes[meta['dtype']])
    return out


def relative_position_bucket(relative_position, num_buckets=32, max_distance=128):
    """transformers' MPNetEncoder.relative_position_bucket, in numpy (float32 like torch)."""
    ret = np.zeros_like(relative_position)
    n = -relative_position
    num_buckets //= 2
    ret += (n < 0).astype(np.int64) * num_buckets
    n = np.abs(n)
    max_exact = num_buckets // 2
    is_small = n < max_exact
    val_if_large = max_exact + (       # (n = 0 would be log 0; is_small covers it)
        np.log(np.maximum(n, 1).astype(np.float32) / np.float32(max_exact))
        / np.float32(math.log(max_distance / max_exact)) * np.float32(num_buckets - max_exact)
    ).astype(np.int64)
    val_if_large = np.minimum(val_if_large, num_buckets - 1)
    ret += np.where(is_small, n, val_if_large)
    return ret


def build(src, emb_int8=False):
    """The float32 graph; emb_int8 stores the word-embedding table as int8 rows."""
    cfg = json.load(open(os.path.join(src, 'config.json')))
    w = read_safetensors(os.path.join(src, 'model.safetensors'))
    H, heads, L = cfg['hidden_size'], cfg['num_attention_heads'], cfg['num_hidden_layers']
    eps, pad = float(cfg['layer_norm_eps']), cfg['pad_token_id']
    nb = cfg['relative_attention_num_buckets']
    dh = H // heads
    assert cfg['model_type'] == 'mpnet' and cfg['hidden_act'] == 'gelu'
    assert MAX_LEN + pad + 1 <= cfg['max_position_embeddings']

    inits, nodes = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op, inputs, name, domain='', n_out=1, **attrs):
        outs = [name] if n_out == 1 else [f'{name}_{i}' for i in range(n_out)]
        nodes.append(helper.make_node(op, inputs, outs, name=name, domain=domain, **attrs))
        return outs[0] if n_out == 1 else outs

    def linear(x, prefix, out_name, scale=1.0):
        wt = (w[prefix + '.weight'] * np.float32(scale)).T.astype(np.float32)
        b = (w[prefix + '.bias'] * np.float32(scale)).astype(np.float32)
        mm = node('MatMul', [x, const(prefix + '.weight_t', wt)], out_name + '_mm')
        return node('Add', [mm, const(prefix + '.bias', b)], out_name)

    def layer_norm(x, prefix, out_name):
        return node('LayerNormalization', [x, const(prefix + '.weight', w[prefix + '.weight']),
                                           const(prefix + '.bias', w[prefix + '.bias'])],
                    out_name, axis=-1, epsilon=eps)

    i64 = lambda name, vals: const(name, np.array(vals, dtype=np.int64))
    one_f = const('one_f', np.array(1.0, dtype=np.float32))

    # Embeddings: positions = cumsum(ids != pad) * (ids != pad) + pad.
    not_pad = node('Not', [node('Equal', ['input_ids', i64('pad_id', pad)], 'is_pad')], 'not_pad')
    not_pad_i = node('Cast', [not_pad], 'not_pad_i64', to=TensorProto.INT64)
    cums = node('CumSum', [not_pad_i, i64('axis1', 1)], 'pos_cumsum')
    pos_ids = node('Add', [node('Mul', [cums, not_pad_i], 'pos_masked'), i64('pad_scalar', pad)],
                   'position_ids')
    table = w['embeddings.word_embeddings.weight']
    if emb_int8:   # int8 rows, one float32 scale per row (symmetric), dequantized after the Gather
        scale = (np.abs(table).max(-1, keepdims=True) / np.float32(127)).astype(np.float32)
        scale[scale == 0] = 1
        q = np.clip(np.rint(table / scale), -127, 127).astype(np.int8)
        wq = node('Gather', [const('embeddings.word_embeddings.q8', q), 'input_ids'], 'word_emb_q8')
        ws = node('Gather', [const('embeddings.word_embeddings.scale', scale), 'input_ids'], 'word_emb_scale')
        word = node('Mul', [node('Cast', [wq], 'word_emb_f', to=TensorProto.FLOAT), ws], 'word_emb')
    else:
        word = node('Gather', [const('embeddings.word_embeddings.weight', table), 'input_ids'], 'word_emb')
    posv = node('Gather', [const('embeddings.position_embeddings.weight',
                                 w['embeddings.position_embeddings.weight']), pos_ids], 'pos_emb')
    x = layer_norm(node('Add', [word, posv], 'emb_sum'), 'embeddings.LayerNorm', 'emb_out')

    # Relative position bias [1, heads, S, S]: table[(j - i) + MAX_LEN - 1] for query i, key j.
    d = np.arange(-(MAX_LEN - 1), MAX_LEN, dtype=np.int64)
    table = w['encoder.relative_attention_bias.weight'][relative_position_bucket(d, nb)]
    table = const('rel_bias_table', table.astype(np.float32))          # [1023, heads]
    seq = node('Gather', [node('Shape', ['input_ids'], 'ids_shape'), i64('idx1', 1)], 'seq_len')
    r = node('Range', [i64('zero', 0), seq, i64('one', 1)], 'positions')
    rel = node('Sub', [node('Unsqueeze', [r, i64('ax0', [0])], 'pos_row'),
                       node('Unsqueeze', [r, i64('ax1', [1])], 'pos_col')], 'rel_pos')
    rel = node('Add', [rel, i64('rel_offset', MAX_LEN - 1)], 'rel_index')
    bias = node('Gather', [table, rel], 'rel_bias_ssh')                 # [S, S, heads]
    bias = node('Unsqueeze', [node('Transpose', [bias], 'rel_bias_hss', perm=[2, 0, 1]),
                              i64('ax0b', [0])], 'rel_bias')
    # Key padding mask [B, 1, 1, S]: 0 for tokens, float32 min for padding (as transformers).
    m = node('Cast', ['attention_mask'], 'mask_f', to=TensorProto.FLOAT)
    m = node('Mul', [node('Sub', [one_f, m], 'mask_inv'),
                     const('neg_big', np.array(np.finfo(np.float32).min, dtype=np.float32))], 'mask_add')
    m = node('Unsqueeze', [m, i64('ax12', [1, 2])], 'mask_4d')
    attn_bias = node('Add', [bias, m], 'attn_bias')                     # [B, heads, S, S]

    heads_shape = i64('heads_shape', [0, 0, heads, dh])
    hidden_shape = i64('hidden_shape', [0, 0, H])
    for li in range(L):
        p = f'encoder.layer.{li}'
        a = p + '.attention.attn'
        s = 1.0 / math.sqrt(dh)   # 0.125: exact in float32
        wqkv = np.concatenate([w[a + '.q.weight'] * np.float32(s), w[a + '.k.weight'],
                               w[a + '.v.weight']], axis=0).T.astype(np.float32)
        bqkv = np.concatenate([w[a + '.q.bias'] * np.float32(s), w[a + '.k.bias'],
                               w[a + '.v.bias']]).astype(np.float32)
        qkv = node('Add', [node('MatMul', [x, const(a + '.qkv.weight_t', wqkv)], f'{p}.qkv_mm'),
                           const(a + '.qkv.bias', bqkv)], f'{p}.qkv')
        q, k, v = node('Split', [qkv, i64(f'{p}.split', [H, H, H])], f'{p}.qkv_split', n_out=3, axis=2)
        q = node('Transpose', [node('Reshape', [q, heads_shape], f'{p}.q_r')], f'{p}.q_t', perm=[0, 2, 1, 3])
        k = node('Transpose', [node('Reshape', [k, heads_shape], f'{p}.k_r')], f'{p}.k_t', perm=[0, 2, 3, 1])
        v = node('Transpose', [node('Reshape', [v, heads_shape], f'{p}.v_r')], f'{p}.v_t', perm=[0, 2, 1, 3])
        scores = node('Add', [node('MatMul', [q, k], f'{p}.qk'), attn_bias], f'{p}.scores')
        probs = node('Softmax', [scores], f'{p}.probs', axis=-1)
        ctx = node('MatMul', [probs, v], f'{p}.ctx')
        ctx = node('Reshape', [node('Transpose', [ctx], f'{p}.ctx_t', perm=[0, 2, 1, 3]), hidden_shape],
                   f'{p}.ctx_r')
        o = linear(ctx, a + '.o', f'{p}.attn_out')
        x1 = layer_norm(node('Add', [o, x], f'{p}.attn_res'), p + '.attention.LayerNorm', f'{p}.attn_ln')
        h = linear(x1, p + '.intermediate.dense', f'{p}.inter')
        # exact GELU: 0.5 * h * (1 + erf(h / sqrt(2)))
        e = node('Erf', [node('Div', [h, const(f'{p}.sqrt2', np.array(math.sqrt(2.0), np.float32))],
                              f'{p}.gelu_div')], f'{p}.gelu_erf')
        g = node('Mul', [node('Mul', [h, node('Add', [e, one_f], f'{p}.gelu_add')], f'{p}.gelu_mul'),
                         const(f'{p}.half', np.array(0.5, np.float32))], f'{p}.gelu')
        out = linear(g, p + '.output.dense', f'{p}.ffn_out')
        x = layer_norm(node('Add', [out, x1], f'{p}.ffn_res'), p + '.output.LayerNorm',
                       'last_hidden_state' if li == L - 1 else f'{p}.out')

    graph = helper.make_graph(
        nodes, 'all-mpnet-base-v2',
        [helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch', 'seq']),
         helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch', 'seq'])],
        [helper.make_tensor_value_info('last_hidden_state', TensorProto.FLOAT, ['batch', 'seq', H])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)],
                              producer_name='storybank convert_mpnet.py')
    model.ir_version = 8
    return model


def save(model, out):
    onnx.save(model, out)          # < 2 GB: one file, no external data
    onnx.checker.check_model(out)


# ----------------------------------------------------------------------------------------------
# Verification: an independent numpy forward pass (float64, written from transformers' MPNet
# modules, per head, no shared code with the graph builder) against onnxruntime.

def reference_forward(w, cfg, ids, mask):
    H, heads = cfg['hidden_size'], cfg['num_attention_heads']
    dh, eps, pad = H // heads, cfg['layer_norm_eps'], cfg['pad_token_id']
    f = lambda k: w[k].astype(np.float64)
    erf = np.vectorize(math.erf)

    def ln(x, p):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * f(p + '.weight') + f(p + '.bias')

    def lin(x, p):
        return x @ f(p + '.weight').T + f(p + '.bias')

    def bucket(rp):     # scalar version, python floats
        n = -rp
        ret = 16 if n < 0 else 0
        n = abs(n)
        if n < 8:
            return ret + n
        return ret + min(8 + int(math.log(n / 8) / math.log(128 / 8) * 8), 15)

    B, S = ids.shape
    outs = []
    rab = f('encoder.relative_attention_bias.weight')
    pb = np.zeros((heads, S, S))
    for i in range(S):
        for j in range(S):
            pb[:, i, j] = rab[bucket(j - i)]
    for b in range(B):
        pos, c = [], 0
        for t in ids[b]:
            if t != pad:
                c += 1
                pos.append(c + pad)
            else:
                pos.append(pad)
        x = f('embeddings.word_embeddings.weight')[ids[b]] + f('embeddings.position_embeddings.weight')[pos]
        x = ln(x, 'embeddings.LayerNorm')
        madd = np.where(mask[b] > 0, 0.0, -1e30)
        for li in range(cfg['num_hidden_layers']):
            p = f'encoder.layer.{li}'
            q = lin(x, p + '.attention.attn.q')
            k = lin(x, p + '.attention.attn.k')
            v = lin(x, p + '.attention.attn.v')
            ctx = np.zeros((S, H))
            for h in range(heads):
                sl = slice(h * dh, (h + 1) * dh)
                sc = q[:, sl] @ k[:, sl].T / math.sqrt(dh) + pb[h] + madd[None, :]
                sc = np.exp(sc - sc.max(-1, keepdims=True))
                ctx[:, sl] = (sc / sc.sum(-1, keepdims=True)) @ v[:, sl]
            x = ln(lin(ctx, p + '.attention.attn.o') + x, p + '.attention.LayerNorm')
            hmid = lin(x, p + '.intermediate.dense')
            hmid = 0.5 * hmid * (1.0 + erf(hmid / math.sqrt(2.0)))
            x = ln(lin(hmid, p + '.output.dense') + x, p + '.output.LayerNorm')
        outs.append(x)
    return np.stack(outs)


def mean_pool(hidden, mask):
    m = mask[..., None].astype(np.float64)
    v = (hidden * m).sum(1) / m.sum(1)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


VERIFY_SENTENCES = [
    "The pricing was too high for our budget this year.",
    "It cost more than we could afford.",
    "Their onboarding team was fantastic and very responsive.",
    "Support answered every ticket within an hour.",
    "We chose the competitor because of the Salesforce integration.",
    "The other vendor connected to our CRM out of the box.",
    "Security review took three months and blocked the deal.",
    "Legal and infosec approval dragged on for a whole quarter.",
    "The dashboard is confusing and our analysts hated it.",
    "Reporting UI was hard to use for the team.",
    "My daughter plays the violin on Saturdays.",
    "The recipe needs two cups of flour and an egg.",
    "Rain is expected across the northern coast tomorrow.",
    "We renewed for three years after the pilot succeeded.",
    "Contract value grew by forty percent at renewal.",
    "Implementation slipped twice and the champion left the company.",
    "Our main sponsor quit halfway through the rollout.",
    "SSO and SCIM provisioning were must-haves for IT.",
    "Single sign-on support was a hard requirement.",
    "They offered a steep discount in the last week of the quarter.",
    "a", "Yes.", "No, not really.", "Hmm, I'd have to check with finance on that one, honestly.",
    "API rate limits broke our nightly sync jobs.",
    "The mobile app crashed whenever we uploaded photos.",
    "Gartner rated them higher, which mattered to the CFO.",
    "We evaluated five tools over six weeks.",
    "Data residency in the EU was non-negotiable for us.",
    "Their roadmap promised features that never shipped.",
    "Customer success checked in every two weeks.",
    "The per-seat pricing model punished our growth.",
    "Migration from the legacy system took longer than planned.",
    "I think the demo was what sold the VP of sales.",
    "Bugs in the billing module caused double invoices.",
    "We needed HIPAA compliance and a signed BAA.",
    "Training videos were outdated and referenced old screens.",
    "Our procurement process requires three competing quotes.",
    "The integration with NetSuite was flaky at best.",
    "Honestly the product just worked from day one.",
    "Latency in the APAC region was unacceptable.",
    "We switched because their AI summaries saved hours each week.",
    "Budget got frozen after the layoffs in March.",
    "Their sales rep was pushy and didn't listen.",
    "The free tier was generous enough to prove value.",
    "Custom fields were limited to twenty per object.",
    "Uptime was 99.99% over the whole contract.",
    "We lost the deal to an in-house build.",
    "Ünïcödé names like Zoë and São Paulo should tokenize too — 東京 as well.",
    "Call me at 555-0100 or email jane.doe@example.com about the Q3 renewal, thanks!",
]
PARAPHRASES = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (17, 18), (15, 16)]
UNRELATED = [(0, 10), (2, 11), (4, 12), (6, 10), (8, 11), (17, 12), (15, 10)]


def verify(src, fp32_path, q8_path=None):
    import time
    import onnxruntime as ort
    from tokenizers import Tokenizer
    cfg = json.load(open(os.path.join(src, 'config.json')))
    w = read_safetensors(os.path.join(src, 'model.safetensors'))
    tok = Tokenizer.from_file(os.path.join(src, 'tokenizer.json'))
    tok.no_truncation()
    tok.enable_padding(pad_id=cfg['pad_token_id'], pad_token='<pad>')

    def enc(texts):
        e = tok.encode_batch(texts)
        return (np.array([x.ids for x in e], np.int64), np.array([x.attention_mask for x in e], np.int64))

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = {'fp32': ort.InferenceSession(fp32_path, so, providers=['CPUExecutionProvider'])}
    if q8_path:
        sess['q8'] = ort.InferenceSession(q8_path, so, providers=['CPUExecutionProvider'])
    run = lambda s, ids, mask: s.run(None, {'input_ids': ids, 'attention_mask': mask})[0]

    # 1. Token level: one padded batch of varied lengths, plus one long input near the limit.
    batch = VERIFY_SENTENCES[:6] + VERIFY_SENTENCES[20:24]
    ids, mask = enc(batch)
    ref = reference_forward(w, cfg, ids, mask)
    got = run(sess['fp32'], ids, mask)
    valid = mask.astype(bool)
    print(f'fp32 vs numpy, padded batch {ids.shape}: max |diff| over real tokens '
          f'{np.abs(got - ref)[valid].max():.2e} (|values| up to {np.abs(ref).max():.2f})')
    pooled_ref, pooled_got = mean_pool(ref, mask), mean_pool(got, mask)
    print(f'  sentence vectors: min cosine {np.min((pooled_ref * pooled_got).sum(-1)):.8f}')
    for i, text in enumerate(batch[:3]):       # each alone (no padding) equals its batched row
        si, sm = enc([text])
        alone = run(sess['fp32'], si, sm)[0]
        assert np.abs(alone - got[i, :si.shape[1]]).max() < 1e-4, 'padding changes the output'
    long_text = ' '.join(VERIFY_SENTENCES[:40]) * 3
    li, lm = enc([long_text])
    li, lm = li[:, :MAX_LEN], lm[:, :MAX_LEN]
    li[0, -1] = 2
    ref_l = reference_forward(w, cfg, li, lm)
    got_l = run(sess['fp32'], li, lm)
    print(f'fp32 vs numpy, one input of {li.shape[1]} tokens: max |diff| {np.abs(got_l - ref_l).max():.2e}')

    # 2. Sentence level.
    ids, mask = enc(VERIFY_SENTENCES)
    vecs = {k: mean_pool(run(s, ids, mask), mask) for k, s in sess.items()}
    v = vecs['fp32']
    para = [float(v[a] @ v[b]) for a, b in PARAPHRASES]
    unrel = [float(v[a] @ v[b]) for a, b in UNRELATED]
    print(f'paraphrase cosines {np.round(para, 3).tolist()}\nunrelated cosines  {np.round(unrel, 3).tolist()}')
    sims = v @ v.T
    np.fill_diagonal(sims, -1)
    hits = sum(int(np.argmax(sims[a]) == b) + int(np.argmax(sims[b]) == a) for a, b in PARAPHRASES)
    print(f'paraphrase partner is the nearest of {len(VERIFY_SENTENCES) - 1} sentences: '
          f'{hits}/{2 * len(PARAPHRASES)}; min paraphrase {min(para):.3f} > max unrelated {max(unrel):.3f}: '
          f'{min(para) > max(unrel)}')
    if 'q8' in vecs:
        single = []
        for i, text in enumerate(VERIFY_SENTENCES):
            si, sm = enc([text])
            single.append(float(mean_pool(run(sess['q8'], si, sm), sm)[0] @ v[i]))
        single = np.array(single)
        print(f'q8 vs fp32 sentence cosine over {len(single)} sentences (one per call): '
              f'min {single.min():.5f}, mean {single.mean():.5f}')

    # 3. Latency: one short query per call, one thread.
    q_ids, q_mask = enc(['why did we lose deals on price to the competitor'])
    for name, s in sess.items():
        path = q8_path if name == 'q8' else fp32_path
        for _ in range(20):
            run(s, q_ids, q_mask)
        times = []
        for _ in range(200):
            t0 = time.perf_counter()
            run(s, q_ids, q_mask)
            times.append((time.perf_counter() - t0) * 1e3)
        print(f'{name}: one {q_ids.shape[1]}-token query, 1 thread: p50 {np.median(times):.2f} ms, '
              f'p10 {np.percentile(times, 10):.2f} ms, p90 {np.percentile(times, 90):.2f} ms '
              f'({os.path.getsize(path) / 2**20:.0f} MiB)')


def main(argv):
    if argv[:1] == ['--verify'] and len(argv) in (3, 4):
        return verify(*argv[1:])
    if argv[:1] == ['--fp32'] and len(argv) == 3:
        return save(build(argv[1]), argv[2])
    if len(argv) == 2:
        return save(matmul_to_q8(build(argv[0], emb_int8=True), block=BLOCK), argv[1])
    sys.exit(__doc__.split('\n\n')[1])


if __name__ == '__main__':
    main(sys.argv[1:])
