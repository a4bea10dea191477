"""The Llama training step of bench/llama_bench.c in PyTorch (Debian's python3-torch, CPU): the
same model (RMSNorm, rotary embeddings, grouped-query attention, SwiGLU, tied head) at
SmolLM2-135M's shape, random weights, full AdamW or LoRA (A, B on the seven projections, frozen
base, PEFT's forward), clipped at 1, torch.optim.AdamW. Prints "ms_per_step peak_rss_mb" (the
best of REPS steps after one warm-up).
Usage: python3 bench/torch_llama_step.py adamw|lora RANK BATCH CTX THREADS REPS"""
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

V, C, L, NH, NKV, D, I = 49152, 576, 30, 9, 3, 64, 1536
THETA, EPS = 100000.0, 1e-5


class Linear(nn.Module):
    """a bias-free projection, with a LoRA pair when r > 0 (x W^T + (x A^T) B^T)"""

    def __init__(self, i, o, r):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(o, i) * 0.02, requires_grad=r == 0)
        self.r = r
        if r:
            self.A = nn.Parameter(torch.randn(r, i) / math.sqrt(i))
            self.B = nn.Parameter(torch.randn(o, r) * 0.01)

    def forward(self, x):
        y = F.linear(x, self.weight)
        return y + F.linear(F.linear(x, self.A), self.B) if self.r else y


class RMSNorm(nn.Module):
    def __init__(self, trainable):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(C), requires_grad=trainable)

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS))


def rope(x, cos, sin):   # x (B, h, T, D): rotate the halves, as transformers' rotate_half
    x1, x2 = x[..., : D // 2], x[..., D // 2:]
    return x * cos + torch.cat((-x2, x1), -1) * sin


class Layer(nn.Module):
    def __init__(self, r):
        super().__init__()
        self.n1, self.n2 = RMSNorm(r == 0), RMSNorm(r == 0)
        self.q, self.k, self.v = Linear(C, NH * D, r), Linear(C, NKV * D, r), Linear(C, NKV * D, r)
        self.o = Linear(NH * D, C, r)
        self.gate, self.up, self.down = Linear(C, I, r), Linear(C, I, r), Linear(I, C, r)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        h = self.n1(x)
        q = self.q(h).view(b, t, NH, D).transpose(1, 2)
        k = self.k(h).view(b, t, NKV, D).transpose(1, 2)
        v = self.v(h).view(b, t, NKV, D).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        k, v = k.repeat_interleave(NH // NKV, 1), v.repeat_interleave(NH // NKV, 1)
        att = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(D) + mask, -1)
        x = x + self.o((att @ v).transpose(1, 2).reshape(b, t, NH * D))
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Llama(nn.Module):
    def __init__(self, r, ctx):
        super().__init__()
        self.embed = nn.Parameter(torch.randn(V, C) * 0.02, requires_grad=r == 0)
        self.layers = nn.ModuleList(Layer(r) for _ in range(L))
        self.norm = RMSNorm(r == 0)
        inv = 1.0 / THETA ** (torch.arange(0, D, 2).float() / D)
        f = torch.outer(torch.arange(ctx).float(), inv)
        emb = torch.cat((f, f), -1)
        self.register_buffer("cos", emb.cos())
        self.register_buffer("sin", emb.sin())
        self.register_buffer("mask", torch.triu(torch.full((ctx, ctx), float("-inf")), 1))

    def forward(self, tokens, targets):
        x = F.embedding(tokens, self.embed)
        for layer in self.layers:
            x = layer(x, self.cos, self.sin, self.mask)
        logits = F.linear(self.norm(x), self.embed)   # tied head
        return F.cross_entropy(logits.view(-1, V), targets.view(-1))


def main():
    method, r, batch, ctx, threads, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Llama(r if method == "lora" else 0, ctx)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    tokens = torch.randint(0, V, (batch, ctx))
    targets = torch.randint(0, V, (batch, ctx))
    best = math.inf
    for s in range(1 + reps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        model(tokens, targets).backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if s > 0:
            best = min(best, time.perf_counter() - t0)
    print(f"{best * 1e3:.1f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


if __name__ == "__main__":
    main()
