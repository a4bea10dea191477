"""Writes tests/golden/spectral.h5: the PiSSA, LoRA-GA and LoRA-One initialisations of one LoRA
pair, re-derived in double from each reference's code (none of them runs here: they need peft,
transformers, datasets and a GPU), for tests/test_spectral_init.c:
- pissa: PEFT 5d602fd src/peft/tuners/lora/layer.py pissa_init (init_lora_weights="pissa", the
  full SVD), which GraphPKU/PiSSA calls;
- lora-ga: Outsider565/LoRA-GA 89af7de reproduce/run_exp.py (direction ArB2r, scale stable,
  gamma 16), with torch.linalg.svd in place of svd_lowrank(q = 4r, niter = 4);
- lora-one: YuanheZ/LoRA-One 01bba05 run_exp.py (SVD of -G, scale stable, gamma 128, no W0
  offset), with torch.linalg.svd in place of svd_lowrank(q = 512, niter = 16).
Each singular pair's sign is fixed as the harness fixes it (the entry of largest magnitude of each
column of U positive), since LoRA-GA's product B A depends on it. W0 (out,in) and the gradient G
(out,in) are random; s = 2.
Usage: /usr/bin/python3 tests/gen_spectral.py [outdir]"""
import os
import sys

import h5py
import torch

torch.set_default_dtype(torch.float64)
OUT, IN, R, S = 10, 7, 3, 2.0


def svd_fixed(M):
    U, Sv, Vh = torch.linalg.svd(M, full_matrices=False)
    for l in range(U.shape[1]):
        if U[torch.argmax(U[:, l].abs()), l] < 0:
            U[:, l] = -U[:, l]
            Vh[l] = -Vh[l]
    return U, Sv, Vh


def pissa(W0):
    U, Sv, Vh = svd_fixed(W0)
    Sr = Sv[:R] / S
    A = torch.diag(torch.sqrt(Sr)) @ Vh[:R]
    B = U[:, :R] @ torch.diag(torch.sqrt(Sr))
    return A, B, W0 - S * B @ A


def lora_ga(W0, G, gamma=16.0):
    U, Sv, Vh = svd_fixed(G)
    B = U[:, R:2 * R] * OUT ** 0.25 / gamma ** 0.5
    A = Vh[:R] * OUT ** 0.25 / gamma ** 0.5
    return A, B, W0 - S * B @ A


def lora_one(W0, G, gamma=128.0):
    U, Sv, Vh = svd_fixed(-G)
    B = U[:, :R] @ torch.diag(torch.sqrt(Sv[:R])) / torch.sqrt(Sv[0]) / gamma ** 0.5
    A = torch.diag(torch.sqrt(Sv[:R])) @ Vh[:R] / torch.sqrt(Sv[0]) / gamma ** 0.5
    return A, B, W0.clone()


def main(outdir):
    g = torch.Generator().manual_seed(8642)
    W0 = torch.randn(OUT, IN, generator=g)
    G = torch.randn(OUT, IN, generator=g) * 0.01
    with h5py.File(os.path.join(outdir, "spectral.h5"), "w") as f:
        f.attrs["generator"] = "tests/gen_spectral.py, torch " + torch.__version__
        f.attrs["scale"] = S
        f.attrs["rank"] = R
        f.create_dataset("W0", data=W0.numpy())
        f.create_dataset("G", data=G.numpy())
        for name, (A, B, W) in (("pissa", pissa(W0)), ("lora-ga", lora_ga(W0, G)), ("lora-one", lora_one(W0, G))):
            grp = f.create_group(name)
            grp.create_dataset("A", data=A.numpy())
            grp.create_dataset("B", data=B.numpy())
            grp.create_dataset("W0", data=W.numpy())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "golden"))
