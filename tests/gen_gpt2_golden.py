"""Writes tests/golden/gpt2_tiny/: a tiny GPT-2 in the Hugging Face layout, written by hand --
model.safetensors (Conv1D weights in x out, plus the lm_head and attn.bias buffers a real file
may hold), config.json, vocab.json + merges.txt of a byte-level BPE trained here with GPT-2's
own pre-tokenizer regex and byte-to-unicode alphabet -- and expected.h5: the token ids of a
sample text (GPT-2's encoding algorithm) and the logits of a torch float32 GPT-2 forward
(gelu_new) on its first tokens.
Usage: /usr/bin/python3 tests/gen_gpt2_golden.py [OUTDIR] (Debian's python3-torch, python3-h5py,
python3-regex)."""
import json
import math
import os
import struct
import sys

import h5py
import numpy as np
import regex
import torch

PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
C, L, NH, NPOS, NMERGES, VOCAB_SIZE = 16, 2, 2, 24, 60, 400
TRAIN = ("The quick brown fox jumps over the lazy dog. It's the dog's day; they'll see what we've done.\n"
         "In 1984, 42 hackers wrote 3 programs -- the hacker's programs ran, and the hackers rejoiced!\n") * 3
SAMPLE = "The hacker's dog  jumps: 1984 programs, they'll run.\n\n  It's done!  "


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs])), bs


def merge_pair(word, pair):
    """word (a tuple of token strings) with every occurrence of pair joined, left to right"""
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(word[i] + word[i + 1])
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def train_bpe(text, byte_enc):
    words = {}
    for w in PAT.findall(text):
        key = tuple(byte_enc[b] for b in w.encode())
        words[key] = words.get(key, 0) + 1
    merges = []
    for _ in range(NMERGES):
        pairs = {}
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        new = {}
        for w, c in words.items():
            m = merge_pair(w, best)
            new[m] = new.get(m, 0) + c
        words = new
    return merges


def bpe_word(word, ranks):
    """GPT-2's encoder.bpe(): merge the lowest-ranked pair everywhere, repeat."""
    while len(word) > 1:
        best = min(set(zip(word, word[1:])), key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        word = merge_pair(word, best)
    return word


def gelu_new(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def forward(p, ids):
    T = len(ids)
    x = p["wte.weight"][ids] + p["wpe.weight"][:T]
    hs = C // NH
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    ln = lambda x, n: torch.nn.functional.layer_norm(x, (C,), p[n + ".weight"], p[n + ".bias"], eps=1e-5)
    for l in range(L):
        h = f"h.{l}."
        qkv = ln(x, h + "ln_1") @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]   # Conv1D: x W + b
        q, k, v = (t.reshape(T, NH, hs).transpose(0, 1) for t in qkv.split(C, -1))
        att = torch.softmax((q @ k.transpose(-1, -2) / math.sqrt(hs)).masked_fill(mask, float("-inf")), -1)
        x = x + (att @ v).transpose(0, 1).reshape(T, C) @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        m = gelu_new(ln(x, h + "ln_2") @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"])
        x = x + m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
    return ln(x, "ln_f") @ p["wte.weight"].t()


def write_safetensors(path, tensors):
    header, off = {"__metadata__": {"format": "pt"}}, 0
    for name, t in tensors.items():
        n = t.numel() * 4
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + n]}
        off += n
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for t in tensors.values():
            f.write(t.contiguous().numpy().astype("<f4").tobytes())


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    byte_enc, order = bytes_to_unicode()
    vocab = {byte_enc[b]: i for i, b in enumerate(order)}   # GPT-2's ids: the alphabet's order, not byte values
    merges = train_bpe(TRAIN, byte_enc)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    vocab["<|endoftext|>"] = len(vocab)
    with open(os.path.join(outdir, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(outdir, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    config = dict(model_type="gpt2", architectures=["GPT2LMHeadModel"], vocab_size=VOCAB_SIZE, n_positions=NPOS,
                  n_embd=C, n_layer=L, n_head=NH, n_inner=None, activation_function="gelu_new",
                  layer_norm_epsilon=1e-5, tie_word_embeddings=True)
    with open(os.path.join(outdir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    ranks = {m: i for i, m in enumerate(merges)}
    ids = []
    for w in PAT.findall(SAMPLE):
        ids += [vocab[t] for t in bpe_word(tuple(byte_enc[b] for b in w.encode()), ranks)]
    g = torch.Generator().manual_seed(7)
    rnd = lambda *s: 0.3 * torch.randn(*s, generator=g)
    p = {"wte.weight": rnd(VOCAB_SIZE, C), "wpe.weight": rnd(NPOS, C)}
    for l in range(L):
        h = f"h.{l}."
        p.update({h + "ln_1.weight": 1 + rnd(C), h + "ln_1.bias": rnd(C), h + "attn.bias": torch.tril(torch.ones(1, 1, NPOS, NPOS)),
                  h + "attn.c_attn.weight": rnd(C, 3 * C), h + "attn.c_attn.bias": rnd(3 * C),
                  h + "attn.c_proj.weight": rnd(C, C), h + "attn.c_proj.bias": rnd(C),
                  h + "ln_2.weight": 1 + rnd(C), h + "ln_2.bias": rnd(C),
                  h + "mlp.c_fc.weight": rnd(C, 4 * C), h + "mlp.c_fc.bias": rnd(4 * C),
                  h + "mlp.c_proj.weight": rnd(4 * C, C), h + "mlp.c_proj.bias": rnd(C)})
    p.update({"ln_f.weight": 1 + rnd(C), "ln_f.bias": rnd(C)})
    p["lm_head.weight"] = p["wte.weight"]
    write_safetensors(os.path.join(outdir, "model.safetensors"), p)
    T = min(NPOS, len(ids))
    with torch.no_grad():
        logits = forward(p, torch.tensor(ids[:T]))
    with h5py.File(os.path.join(outdir, "expected.h5"), "w") as f:
        f.attrs["generator"] = "tests/gen_gpt2_golden.py, torch " + torch.__version__
        f.attrs["sample"] = SAMPLE
        f.attrs["seq"] = T
        f["ids"] = np.array(ids, dtype="float64")
        f["logits"] = logits.numpy().astype("float64")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "golden", "gpt2_tiny"))
