"""Writes tests/golden/lorapro.h5: 20-step trajectories of the authors' LoRA-Pro AdamW (github
mrflogs/LoRA-Pro, peta/optim.py at 85d74c9: the standalone optimizer with both modes; the
repository's later DeepSpeed version has full mode only) on a small matrix-factorization problem
W = W0 + s B A without a bias, in double. Their file is read from the checkout given on the
command line (git show 85d74c9:peta/optim.py > FILE) and executed in memory, never copied here,
with three edits that change no arithmetic of the LoRA pairs: the imports it does not use
(peft, transformers, scipy, wandb, torch-2 internals) are dropped, is_compiling() is False (torch
1.13 has none), and in full mode its moments stay in the parameters' dtype instead of bfloat16
(`.to(torch.bfloat16)` removed), so that a double run is a double reference.
Groups: efficient mode with X = sylvester / symmetry / zero, full mode with sylvester / zero,
and efficient sylvester from B = 0 (PEFT's init: B^T B singular). s = 2 (their default
scaling_factor), lr 0.02, betas (0.9, 0.999), eps 1e-8, weight decay 0.01 (so that the decays of
A, B and, in full mode, of W0 act).
Usage: /usr/bin/python3 tests/gen_lorapro.py /path/to/optim.py [outdir]"""
import os
import sys
import types

import h5py
import torch

from golden_common import draw_problem, mse, write_group

N_IN, N_OUT, R, STEPS, SCALE = 12, 9, 3, 20, 2.0
HYPER = dict(lr=0.02, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, steps=STEPS, scale=SCALE)
UNUSED = ("from torch.utils._foreach_utils", "from torch._utils import is_compiling",
          "from torch.optim.optimizer import _use_grad", "import peft", "from transformers",
          "from scipy.linalg", "import wandb")


def load_reference(path, full_precision_moments):
    src = open(path).read()
    src = "\n".join(l for l in src.split("\n") if not l.startswith(UNUSED))
    if full_precision_moments:
        src = src.replace(".to(torch.bfloat16)", "")
    mod = types.ModuleType("lorapro_optim_85d74c9")
    exec(compile("def is_compiling():\n    return False\n" + src, path, "exec"), mod.__dict__)
    return mod


def main(path, outdir):
    ref = load_reference(path, True)
    target, A0, B0, _ = draw_problem(1357, N_IN, N_OUT, R, 2)
    g = torch.Generator().manual_seed(97531)
    W0 = torch.randn(N_OUT, N_IN, generator=g) * 0.3
    zero_bias = torch.zeros(N_OUT)
    cases = [("efficient", "sylvester", False), ("efficient", "symmetry", False), ("efficient", "zero", False),
             ("full", "sylvester", False), ("full", "zero", False), ("efficient", "sylvester", True)]
    with h5py.File(os.path.join(outdir, "lorapro.h5"), "w") as f:
        f.attrs["generator"] = "tests/gen_lorapro.py with mrflogs/LoRA-Pro 85d74c9 peta/optim.py, torch " + torch.__version__
        for mode, xmode, zero_b in cases:
            Wb = torch.nn.Parameter(W0.clone(), requires_grad=False)
            A = torch.nn.Parameter(A0.clone())
            B = torch.nn.Parameter(torch.zeros_like(B0) if zero_b else B0.clone())
            start = dict(target=target, A0=A.detach().clone(), B0=B.detach().clone(), bias0=zero_bias, W0=W0)
            opt = ref.AdamW([("l.base_layer.weight", Wb), ("l.lora_A.weight", A), ("l.lora_B.weight", B)],
                            lr=HYPER["lr"], scaling_factor=SCALE, betas=(HYPER["beta1"], HYPER["beta2"]),
                            eps=HYPER["eps"], weight_decay=HYPER["weight_decay"], mode=mode, X_mode=xmode)
            losses, traj = [], dict(A=[], B=[], Wbase=[])
            for _ in range(STEPS):
                opt.zero_grad(set_to_none=True)
                loss = mse(Wb + SCALE * B @ A, zero_bias, target)
                loss.backward()
                losses.append(loss.item())
                opt.step()
                traj["A"].append(A.detach().clone())
                traj["B"].append(B.detach().clone())
                traj["Wbase"].append(Wb.detach().clone())
            hyper = dict(HYPER, full=mode == "full", xmode=["sylvester", "symmetry", "zero"].index(xmode))
            name = mode + "_" + xmode + ("_b0" if zero_b else "")
            write_group(f, name, hyper, start, losses, traj)
            print(name, "final loss", losses[-1])


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: gen_lorapro.py /path/to/peta-optim.py [outdir]")
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "golden"))
