"""The ViT or GPT training step of bench/step_bench.c in PyTorch (Debian's python3-torch), same
shapes, same threads: full AdamW, LoRA (A, B on qkv, proj, fc1, fc2, frozen base) or DoRA.
Prints "ms_per_step peak_rss_mb" (on a GPU: the peak of allocated GPU memory in MB instead). LoFT
has no PyTorch twin here; it is compared with LoRA.
Usage: python3 bench/torch_step.py vit|gpt METHOD RANK BATCH THREADS [WIDTH CTX [LAYERS HEADS VOCAB DEVICE TF32 GELU]]
(GPT: MLP = 4 x WIDTH; DEVICE cpu|cuda, TF32 0|1 for float32 matmuls on a GPU, GELU erf|tanh; bench/gpu_bench.c
passes all of them for GPT-2 small's shape on the GPU)"""
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

C, L, NH, H, K, P = 128, 4, 4, 512, 10, 16
V, CTX = 1024, 64
DEVICE, GELU_TANH = "cpu", False
T = 17   # tokens per sequence: the ViT's 16 patches + class token, or the GPT's context


class Adapted(nn.Module):
    def __init__(self, i, o, method, r):
        super().__init__()
        self.base = nn.Linear(i, o)
        self.method = method
        if method in ("lora", "dora", "loft"):
            self.base.weight.requires_grad_(False)
            self.base.bias.requires_grad_(False)
            self.A = nn.Parameter(torch.randn(r, i) / math.sqrt(i))
            self.B = nn.Parameter(torch.randn(o, r) * 0.01)
            if method == "dora":
                self.m = nn.Parameter(self.base.weight.norm(dim=1).detach().clone())

    def forward(self, x):
        if self.method == "adamw":
            return self.base(x)
        if self.method == "dora":
            V = self.base.weight + self.B @ self.A
            W = self.m[:, None] * V / V.norm(dim=1, keepdim=True).detach()
            return F.linear(x, W, self.base.bias)
        return self.base(x) + (x @ self.A.t()) @ self.B.t()


class Block(nn.Module):
    def __init__(self, method, r, causal=False):
        super().__init__()
        self.causal = causal
        self.ln1, self.ln2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.qkv, self.proj = Adapted(C, 3 * C, method, r), Adapted(C, C, method, r)
        self.fc1, self.fc2 = Adapted(C, H, method, r), Adapted(H, C, method, r)

    def forward(self, x):
        b = x.shape[0]
        q, k, v = (t.reshape(b, T, NH, C // NH).transpose(1, 2) for t in self.qkv(self.ln1(x)).split(C, -1))
        s = q @ k.transpose(-1, -2) / math.sqrt(C // NH)
        if self.causal:
            s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool, device=s.device), 1), float("-inf"))
        att = torch.softmax(s, -1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(b, T, C))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh" if GELU_TANH else "none"))


class ViT(nn.Module):
    def __init__(self, method, r):
        super().__init__()
        self.patch = nn.Linear(49, C)
        self.cls = nn.Parameter(torch.zeros(C))
        self.pos = nn.Parameter(torch.zeros(T, C))
        self.blocks = nn.ModuleList([Block(method, r) for _ in range(L)])
        self.lnf, self.head = nn.LayerNorm(C), nn.Linear(C, K)
        if method != "adamw":
            for p in [self.patch.weight, self.patch.bias, self.cls, self.pos]:
                p.requires_grad_(False)
            for blk in self.blocks:
                for p in list(blk.ln1.parameters()) + list(blk.ln2.parameters()):
                    p.requires_grad_(False)
            for p in self.lnf.parameters():
                p.requires_grad_(False)

    def forward(self, img):
        b = img.shape[0]
        x = img.reshape(b, 4, 7, 4, 7).permute(0, 1, 3, 2, 4).reshape(b, P, 49)
        x = torch.cat([self.cls.expand(b, 1, C), self.patch(x)], 1) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.head(self.lnf(x[:, 0]))


class GPT(nn.Module):
    """token + position embedding, causal blocks, final norm, head tied to the token embedding"""
    def __init__(self, method, r):
        super().__init__()
        self.wte, self.wpe = nn.Parameter(0.02 * torch.randn(V, C)), nn.Parameter(0.02 * torch.randn(CTX, C))
        self.blocks = nn.ModuleList([Block(method, r, causal=True) for _ in range(L)])
        self.lnf = nn.LayerNorm(C)
        if method != "adamw":
            for p in [self.wte, self.wpe] + list(self.lnf.parameters()):
                p.requires_grad_(False)
            for blk in self.blocks:
                for p in list(blk.ln1.parameters()) + list(blk.ln2.parameters()):
                    p.requires_grad_(False)

    def forward(self, tok):
        x = self.wte[tok] + self.wpe[:tok.shape[1]]
        for blk in self.blocks:
            x = blk(x)
        return self.lnf(x) @ self.wte.t()


def main():
    global T, C, H, CTX, L, NH, V, DEVICE, GELU_TANH
    model_name, method, r, batch, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    if model_name == "gpt" and len(sys.argv) > 7:
        C, CTX = int(sys.argv[6]), int(sys.argv[7])
        H = 4 * C
    if model_name == "gpt" and len(sys.argv) > 13:
        L, NH, V, DEVICE = int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10]), sys.argv[11]
        torch.backends.cuda.matmul.allow_tf32 = sys.argv[12] == "1"
        GELU_TANH = sys.argv[13] == "tanh"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    kind = method if method != "loft" else "lora"
    if model_name == "gpt":
        T = CTX
        model = GPT(kind, max(r, 1)).to(DEVICE)
        img, y = torch.randint(0, V, (batch, CTX), device=DEVICE), torch.randint(0, V, (batch * CTX,), device=DEVICE)
        loss_of = lambda: F.cross_entropy(model(img).reshape(-1, V), y)
    else:
        model = ViT(kind, max(r, 1))
        img, y = torch.rand(batch, 28, 28), torch.arange(batch) % K
        loss_of = lambda: F.cross_entropy(model(img), y)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    times = []
    gpu = DEVICE != "cpu"
    for s in range(3 + 20):
        if gpu:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_of().backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        opt.step()
        if gpu:
            torch.cuda.synchronize()
        if s >= 3:
            times.append(time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated() / 2**20 if gpu else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("%.3f %.1f" % (1e3 * min(times), peak))


if __name__ == "__main__":
    main()
