"""Writes tests/golden/vit.h5: a tiny ViT (28x28 images, patch 7, width 16, depth 2, 2 heads,
MLP 32, 5 classes) in torch float32 with random weights, a batch of 3 images, and its logits,
loss and the gradient of every parameter, under the names and shapes of core/tasks/vit.h.
Usage: /usr/bin/python3 tests/gen_vit_golden.py tests/golden (Debian's python3-torch, python3-h5py)."""
import math
import os
import sys

import torch
import torch.nn.functional as F

from golden_model import random_params, write_model_golden

IMG, PATCH, C, L, NH, H, K, B = 28, 7, 16, 2, 2, 32, 5, 3
P = (IMG // PATCH) ** 2
T = P + 1
SHAPES = dict(patch_w=(C, PATCH * PATCH), patch_b=(C,), cls=(C,), pos=(T, C),
              ln1_w=(L, C), ln1_b=(L, C), qkv_w=(L, 3 * C, C), qkv_b=(L, 3 * C),
              proj_w=(L, C, C), proj_b=(L, C), ln2_w=(L, C), ln2_b=(L, C),
              fc1_w=(L, H, C), fc1_b=(L, H), fc2_w=(L, C, H), fc2_b=(L, C),
              lnf_w=(C,), lnf_b=(C,), head_w=(K, C), head_b=(K,))


def forward(p, images, targets):
    b = images.shape[0]
    g = IMG // PATCH
    patches = images.reshape(b, g, PATCH, g, PATCH).permute(0, 1, 3, 2, 4).reshape(b, P, PATCH * PATCH)
    pe = patches @ p["patch_w"].t() + p["patch_b"]
    x = torch.cat([p["cls"].expand(b, 1, C), pe], 1) + p["pos"]
    hs = C // NH
    for l in range(L):
        ln1 = F.layer_norm(x, (C,), p["ln1_w"][l], p["ln1_b"][l], eps=1e-5)
        qkv = ln1 @ p["qkv_w"][l].t() + p["qkv_b"][l]
        q, k, v = (t.reshape(b, T, NH, hs).transpose(1, 2) for t in qkv.split(C, -1))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hs), -1)
        o = (att @ v).transpose(1, 2).reshape(b, T, C)
        res1 = x + o @ p["proj_w"][l].t() + p["proj_b"][l]
        ln2 = F.layer_norm(res1, (C,), p["ln2_w"][l], p["ln2_b"][l], eps=1e-5)
        x = res1 + F.gelu(ln2 @ p["fc1_w"][l].t() + p["fc1_b"][l]) @ p["fc2_w"][l].t() + p["fc2_b"][l]
    lnf = F.layer_norm(x[:, 0], (C,), p["lnf_w"], p["lnf_b"], eps=1e-5)
    logits = lnf @ p["head_w"].t() + p["head_b"]
    return logits, F.cross_entropy(logits, targets)


def main(outdir):
    g = torch.Generator().manual_seed(77)
    params = random_params(SHAPES, g, norm_scale=1.0)
    images = torch.rand(B, IMG, IMG, generator=g).float()
    targets = torch.tensor([1, 4, 0])
    logits, loss = forward(params, images, targets)
    loss.backward()
    write_model_golden(os.path.join(outdir, "vit.h5"), "tests/gen_vit_golden.py",
                       dict(image=IMG, patch=PATCH, width=C, depth=L, heads=NH, mlp=H, classes=K, batch=B),
                       dict(images=images.numpy(), targets=targets.numpy().astype("float64")), logits, loss, params)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "golden"))
