"""Writes tests/golden/altlora.h5: 20-step trajectories of the authors' AltLoRA and AltLoRA+
optimizers (github LucasXinYu/AltLoRA at 94b2198, optimizer_new.py: classes altlora and
altlora_plus) on a small matrix-factorization problem without a bias (their optimizer updates
only the lora_A / lora_B pairs), in double. Their file is imported from the checkout given on
the command line and is never copied here; its per-step eigenvalue prints are swallowed.
Two schedules per optimizer: "joint" (both factors every step, A then B: their trainer's
default, lora_alt = False) and "alt" (one factor per step, A first: their trainer's alternation,
emulated by dropping the frozen factor's gradient as freeze_A / freeze_B do, every step).
Hyper-parameters: their trainer's betas (0.9, 0.999), eps 1e-4, reg 1e-5; lr 0.05 and weight
decay 0.01 so that decay acts.
Usage: /usr/bin/python3 tests/gen_altlora.py /path/to/AltLoRA-checkout [outdir]"""
import contextlib
import io
import os
import sys

import h5py
import torch
from torch import nn

from golden_common import draw_problem, mse, write_group

N_IN, N_OUT, R, STEPS = 12, 9, 3, 20
HYPER = dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-4, weight_decay=0.01, reg=1e-5, steps=STEPS)


class Factorized(nn.Module):
    """W = B A, named as PEFT names them (their optimizer pairs lora_A.default.weight with the next parameter)."""
    def __init__(self, A0, B0):
        super().__init__()
        self.lora_A = nn.ModuleDict({"default": nn.Linear(N_IN, R, bias=False)})
        self.lora_B = nn.ModuleDict({"default": nn.Linear(R, N_OUT, bias=False)})
        with torch.no_grad():
            self.lora_A["default"].weight.copy_(A0)
            self.lora_B["default"].weight.copy_(B0)


def main(path, outdir):
    sys.path.insert(0, path)
    import optimizer_new
    target, A0, B0, _ = draw_problem(2468, N_IN, N_OUT, R, 2)
    zero_bias = torch.zeros(N_OUT)
    with h5py.File(os.path.join(outdir, "altlora.h5"), "w") as f:
        f.attrs["generator"] = "tests/gen_altlora.py with LucasXinYu/AltLoRA 94b2198, torch " + torch.__version__
        for cls_name in ("altlora", "altlora_plus"):
            for schedule in ("joint", "alt"):
                model = Factorized(A0, B0)
                cls = getattr(optimizer_new, cls_name)
                opt = cls(model, lr=HYPER["lr"], betas=(HYPER["beta1"], HYPER["beta2"]), eps=HYPER["eps"],
                          weight_decay=HYPER["weight_decay"], correct_bias=True, rank=R, reg=HYPER["reg"])
                A, B = model.lora_A["default"].weight, model.lora_B["default"].weight
                losses, traj = [], dict(A=[], B=[])
                for s in range(STEPS):
                    opt.zero_grad(set_to_none=True)
                    loss = mse(B @ A, zero_bias, target)
                    loss.backward()
                    losses.append(loss.item())
                    if schedule == "alt":   # step 1 moves A, step 2 B, ...
                        (B if s % 2 == 0 else A).grad = None
                    with contextlib.redirect_stdout(io.StringIO()):
                        opt.step()
                    traj["A"].append(A.detach().clone())
                    traj["B"].append(B.detach().clone())
                hyper = dict(HYPER, plus=cls_name == "altlora_plus", alternate_update=schedule == "alt")
                write_group(f, cls_name + "_" + schedule, hyper, dict(target=target, A0=A0, B0=B0, bias0=zero_bias),
                            losses, traj)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: gen_altlora.py /path/to/AltLoRA-checkout [outdir]")
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "golden"))
