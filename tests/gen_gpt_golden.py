"""Writes tests/golden/gpt.h5: a tiny GPT (vocab 50, context 8, width 16, depth 2, 2 heads, MLP 32,
exact GELU, causal attention, LM head tied to the token embedding) in torch float32 with random
weights, 2 sequences of 6 tokens, and its logits, loss and the gradient of every parameter,
under the names and shapes of core/tasks/gpt.h.
Usage: /usr/bin/python3 tests/gen_gpt_golden.py tests/golden (Debian's python3-torch, python3-h5py)."""
import math
import os
import sys

import torch
import torch.nn.functional as F

from golden_model import random_params, write_model_golden

V, CTX, C, L, NH, H, B, T = 50, 8, 16, 2, 2, 32, 2, 6
SHAPES = dict(wte=(V, C), wpe=(CTX, C), ln1_w=(L, C), ln1_b=(L, C), qkv_w=(L, 3 * C, C), qkv_b=(L, 3 * C),
              proj_w=(L, C, C), proj_b=(L, C), ln2_w=(L, C), ln2_b=(L, C), fc1_w=(L, H, C), fc1_b=(L, H),
              fc2_w=(L, C, H), fc2_b=(L, C), lnf_w=(C,), lnf_b=(C,))


def forward(p, tokens, targets):
    x = p["wte"][tokens] + p["wpe"][:T]
    hs = C // NH
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1)
    for l in range(L):
        ln1 = F.layer_norm(x, (C,), p["ln1_w"][l], p["ln1_b"][l], eps=1e-5)
        q, k, v = (t.reshape(B, T, NH, hs).transpose(1, 2) for t in (ln1 @ p["qkv_w"][l].t() + p["qkv_b"][l]).split(C, -1))
        att = torch.softmax((q @ k.transpose(-1, -2) / math.sqrt(hs)).masked_fill(mask, float("-inf")), -1)
        x = x + (att @ v).transpose(1, 2).reshape(B, T, C) @ p["proj_w"][l].t() + p["proj_b"][l]
        ln2 = F.layer_norm(x, (C,), p["ln2_w"][l], p["ln2_b"][l], eps=1e-5)
        x = x + F.gelu(ln2 @ p["fc1_w"][l].t() + p["fc1_b"][l]) @ p["fc2_w"][l].t() + p["fc2_b"][l]
    logits = F.layer_norm(x, (C,), p["lnf_w"], p["lnf_b"], eps=1e-5) @ p["wte"].t()
    return logits, F.cross_entropy(logits.reshape(B * T, V), targets.reshape(B * T))


def main(outdir):
    g = torch.Generator().manual_seed(99)
    params = random_params(SHAPES, g, norm_scale=0.3)
    tokens = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)
    logits, loss = forward(params, tokens, targets)
    loss.backward()
    write_model_golden(os.path.join(outdir, "gpt.h5"), "tests/gen_gpt_golden.py",
                       dict(vocab=V, ctx=CTX, width=C, depth=L, heads=NH, mlp=H, batch=B, seq=T),
                       dict(tokens=tokens.numpy().astype("float64"), targets=targets.numpy().astype("float64")),
                       logits, loss, params)

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "golden"))
