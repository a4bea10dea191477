"""Writes two tiny random Llama-family models in the Hugging Face layout, with the torch float64
reference's logits, loss and every parameter's gradient of one batch, for tests/test_llama_golden.c:
- tests/golden/llama_tiny/: Llama (GQA 4 query / 2 KV heads, untied head, rope_type llama3),
  sharded: model-00001-of-00002.safetensors (F32) + model-00002-of-00002.safetensors (BF16) +
  model.safetensors.index.json;
- tests/golden/qwen_tiny/: Qwen2 (q, k, v biases, tied embedding), one model.safetensors in F16.
Each folder gets config.json, the byte-level BPE of tests/golden/gpt2_tiny (vocab.json,
merges.txt; <|endoftext|> is BOS and EOS) and expected.h5: tokens (B,T), targets (B,T) (-100
ignored), logits (B,T,V), loss, and grad/<HF name> for every tensor. The reference reads the
weights as stored (rounded to BF16 / F16), in float64. Also writes tests/data/llama_tiny.jsonl,
prompt / completion records for the example experiment and the CLI checks.
Usage: /usr/bin/python3 tests/gen_llama_golden.py (Debian's python3-torch, python3-h5py)."""
import json
import math
import os
import shutil
import struct

import h5py
import numpy as np
import torch

ROOT = os.path.dirname(os.path.abspath(__file__))
TOK = os.path.join(ROOT, "golden", "gpt2_tiny")
EOS = 316   # <|endoftext|> in gpt2_tiny's vocab.json
B, T = 2, 7


def write_safetensors(path, tensors, dtype):
    """tensors: name -> float64 torch tensor; stored as dtype (F32, F16, BF16); returns the values as stored"""
    header, off, blobs, stored = {"__metadata__": {"format": "pt"}}, 0, [], {}
    for name, t in tensors.items():
        a = t.detach().numpy().astype(np.float32)
        if dtype == "F32":
            raw, back = a.astype("<f4").tobytes(), a.astype(np.float64)
        elif dtype == "F16":
            h = a.astype(np.float16)
            raw, back = h.astype("<f2").tobytes(), h.astype(np.float64)
        else:   # BF16: the upper 16 bits of the float32, rounded to nearest even
            bits = a.view(np.uint32).astype(np.uint64)
            bits = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
            raw = bits.astype("<u2").tobytes()
            back = (bits.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
        stored[name] = torch.tensor(back.reshape(tuple(t.shape)), dtype=torch.float64)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for raw in blobs:
            f.write(raw)
    return stored


def inv_freq(cfg):
    d = cfg["hidden_size"] // cfg["num_attention_heads"]
    inv = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    sc = cfg.get("rope_scaling")
    if sc and sc.get("rope_type") == "llama3":   # modeling_rope_utils._compute_llama3_parameters
        factor, low, high, L = sc["factor"], sc["low_freq_factor"], sc["high_freq_factor"], sc["original_max_position_embeddings"]
        wl = 2 * math.pi / inv
        out = torch.where(wl > L / low, inv / factor, inv)
        smooth = (L / wl - low) / (high - low)
        smoothed = (1 - smooth) * out / factor + smooth * out
        medium = (wl >= L / high) & (wl <= L / low)
        inv = torch.where(medium, smoothed, out)
    return inv


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rms(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def forward(cfg, p, ids, labels):
    """modeling_llama / modeling_qwen2 in float64; p: HF name -> tensor; labels already aligned with positions"""
    H, KV, C = cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"]
    d, eps, Bn, Tn = C // H, cfg["rms_norm_eps"], ids.shape[0], ids.shape[1]
    freqs = torch.arange(Tn, dtype=torch.float64)[:, None] * inv_freq(cfg)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()
    x = p["model.embed_tokens.weight"][ids]
    mask = torch.full((Tn, Tn), float("-inf"), dtype=torch.float64).triu(1)
    for l in range(cfg["num_hidden_layers"]):
        P = lambda n: p.get(f"model.layers.{l}.{n}")
        xn = rms(x, P("input_layernorm.weight"), eps)
        proj = lambda n: xn @ P(f"self_attn.{n}.weight").T + (P(f"self_attn.{n}.bias") if P(f"self_attn.{n}.bias") is not None else 0)
        q = proj("q_proj").view(Bn, Tn, H, d).transpose(1, 2)
        k = proj("k_proj").view(Bn, Tn, KV, d).transpose(1, 2)
        v = proj("v_proj").view(Bn, Tn, KV, d).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k, v = k.repeat_interleave(H // KV, dim=1), v.repeat_interleave(H // KV, dim=1)   # repeat_kv
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + mask, dim=-1)
        o = (att @ v).transpose(1, 2).reshape(Bn, Tn, H * d) @ P("self_attn.o_proj.weight").T
        h = x + o
        xn2 = rms(h, P("post_attention_layernorm.weight"), eps)
        g, u = xn2 @ P("mlp.gate_proj.weight").T, xn2 @ P("mlp.up_proj.weight").T
        x = h + (torch.nn.functional.silu(g) * u) @ P("mlp.down_proj.weight").T
    head = p["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else p["lm_head.weight"]
    logits = rms(x, p["model.norm.weight"], eps) @ head.T
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
    return logits, loss


def make(name, cfg, qkv_bias, shards, gen):
    out = os.path.join(ROOT, "golden", name)
    os.makedirs(out, exist_ok=True)
    C, L, I, V = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["intermediate_size"], cfg["vocab_size"]
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = C // H
    rnd = lambda *s, scale=0.2: torch.randn(*s, generator=gen, dtype=torch.float64) * scale
    p = {"model.embed_tokens.weight": rnd(V, C, scale=0.5)}
    for l in range(L):
        pre = f"model.layers.{l}."
        p[pre + "input_layernorm.weight"] = 1 + rnd(C, scale=0.1)
        p[pre + "self_attn.q_proj.weight"] = rnd(H * d, C, scale=0.3)
        p[pre + "self_attn.k_proj.weight"] = rnd(KV * d, C, scale=0.3)
        p[pre + "self_attn.v_proj.weight"] = rnd(KV * d, C, scale=0.3)
        if qkv_bias:
            p[pre + "self_attn.q_proj.bias"] = rnd(H * d, scale=0.1)
            p[pre + "self_attn.k_proj.bias"] = rnd(KV * d, scale=0.1)
            p[pre + "self_attn.v_proj.bias"] = rnd(KV * d, scale=0.1)
        p[pre + "self_attn.o_proj.weight"] = rnd(C, H * d)
        p[pre + "post_attention_layernorm.weight"] = 1 + rnd(C, scale=0.1)
        p[pre + "mlp.gate_proj.weight"] = rnd(I, C)
        p[pre + "mlp.up_proj.weight"] = rnd(I, C)
        p[pre + "mlp.down_proj.weight"] = rnd(C, I)
    p["model.norm.weight"] = 1 + rnd(C, scale=0.1)
    if not cfg["tie_word_embeddings"]:
        p["lm_head.weight"] = rnd(V, C)
    for f in os.listdir(out):
        if f.endswith(".safetensors") or f.endswith(".index.json"):
            os.remove(os.path.join(out, f))
    stored = {}
    if len(shards) == 1:
        stored.update(write_safetensors(os.path.join(out, "model.safetensors"), p, shards[0]))
    else:   # the first layer's tensors and the embedding in shard 1, the rest in shard 2
        names = list(p)
        first = [n for n in names if n.startswith("model.embed") or n.startswith("model.layers.0.")]
        parts = [first, [n for n in names if n not in first]]
        weight_map, total = {}, 0
        for k, (part, dt) in enumerate(zip(parts, shards)):
            fname = f"model-{k + 1:05d}-of-{len(shards):05d}.safetensors"
            stored.update(write_safetensors(os.path.join(out, fname), {n: p[n] for n in part}, dt))
            for n in part:
                weight_map[n] = fname
                total += p[n].numel() * (4 if dt == "F32" else 2)
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    for fn in ("vocab.json", "merges.txt"):
        shutil.copy(os.path.join(TOK, fn), os.path.join(out, fn))
    ids = torch.randint(0, V, (B, T), generator=gen)
    labels = torch.randint(0, V, (B, T), generator=gen)
    labels[0, :3] = -100   # a prompt's tokens: ignored
    labels[1, -1] = -100
    for t in stored.values():
        t.requires_grad_(True)
    logits, loss = forward(cfg, stored, ids, labels)
    loss.backward()
    with h5py.File(os.path.join(out, "expected.h5"), "w") as f:
        f["tokens"] = ids.numpy().astype(np.float64)
        f["targets"] = labels.numpy().astype(np.float64)
        f["logits"] = logits.detach().numpy()
        f["loss"] = np.array([loss.item()])
        for n, t in stored.items():
            f["grad/" + n] = t.grad.numpy()
    print(f"{out}: loss {loss.item():.6f}, {len(stored)} tensors")


def jsonl(path):
    rng = np.random.default_rng(7)
    with open(path, "w") as f:
        for i in range(240):
            a, b = int(rng.integers(0, 50)), int(rng.integers(0, 50))
            if i % 4 == 3:
                f.write(json.dumps({"text": f"The sum of {a} and {b} is {a + b}."}) + "\n")
            else:
                f.write(json.dumps({"prompt": f"What is {a} plus {b}?", "completion": f" {a + b}."}) + "\n")


def main():
    gen = torch.Generator().manual_seed(20260522)
    common = {"hidden_act": "silu", "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "bos_token_id": EOS,
              "eos_token_id": EOS, "vocab_size": 320, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
              "num_attention_heads": 4, "num_key_value_heads": 2, "torch_dtype": "float32"}
    llama = dict(common, model_type="llama", architectures=["LlamaForCausalLM"], rope_theta=10000.0, attention_bias=False,
                 mlp_bias=False, tie_word_embeddings=False,
                 rope_scaling={"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0, "high_freq_factor": 2.0,
                               "original_max_position_embeddings": 16})
    qwen = dict(common, model_type="qwen2", architectures=["Qwen2ForCausalLM"], rope_theta=1000000.0, tie_word_embeddings=True,
                rope_scaling=None, use_sliding_window=False, rms_norm_eps=1e-6)
    make("llama_tiny", llama, False, ["F32", "BF16"], gen)
    make("qwen_tiny", qwen, True, ["F16"], gen)
    jsonl(os.path.join(ROOT, "data", "llama_tiny.jsonl"))


if __name__ == "__main__":
    main()
