"""Writes tests/golden/adamw_lora.h5: step-by-step trajectories of torch.optim.AdamW (double)
on the matrix-factorization task, once on a full weight, once on LoRA factors W = B A, and once
as LoRA+ (B in a parameter group of its own with lr x LORAPLUS_RATIO: what PEFT's
create_loraplus_optimizer builds for torch's AdamW; PEFT is not on Debian, so its rule is
written out here; unlike PEFT the bias keeps the base lr, as the harness's plain tensors do).
Usage: /usr/bin/python3 tests/gen_golden.py tests/golden   (Debian's python3-torch, python3-h5py)."""
import os
import sys

import h5py
import torch

from golden_common import draw_problem, mse, write_group

N_IN, N_OUT, R, STEPS = 10, 6, 3, 30
HYPER = dict(lr=0.03, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.05, steps=STEPS)
LORAPLUS_RATIO = 4.0


def run(params, weight_of, target, groups=None):
    opt = torch.optim.AdamW(groups or params, lr=HYPER["lr"], betas=(HYPER["beta1"], HYPER["beta2"]),
                            eps=HYPER["eps"], weight_decay=HYPER["weight_decay"])
    losses, traj = [], {k: [] for k in range(len(params))}
    for _ in range(STEPS):
        opt.zero_grad()
        W, bias = weight_of()
        loss = mse(W, bias, target)
        loss.backward()
        losses.append(loss.item())
        opt.step()
        for k, p in enumerate(params):
            traj[k].append(p.detach().clone())
    return losses, traj


def main(outdir):
    target, A0, B0, bias0 = draw_problem(1234, N_IN, N_OUT, R, 2)
    with h5py.File(os.path.join(outdir, "adamw_lora.h5"), "w") as f:
        f.attrs["generator"] = "tests/gen_golden.py, torch " + torch.__version__
        W = (B0 @ A0).clone().requires_grad_(True)
        b = bias0.clone().requires_grad_(True)
        losses, traj = run([W, b], lambda: (W, b), target)
        write_group(f, "adamw_full", HYPER, dict(target=target, W0=B0 @ A0, bias0=bias0), losses,
                    dict(W=traj[0], bias=traj[1]))
        A = A0.clone().requires_grad_(True)
        B = B0.clone().requires_grad_(True)
        b = bias0.clone().requires_grad_(True)
        losses, traj = run([A, B, b], lambda: (B @ A, b), target)
        write_group(f, "lora", HYPER, dict(target=target, A0=A0, B0=B0, bias0=bias0), losses,
                    dict(A=traj[0], B=traj[1], bias=traj[2]))
        A = A0.clone().requires_grad_(True)
        B = B0.clone().requires_grad_(True)
        b = bias0.clone().requires_grad_(True)
        groups = [dict(params=[A, b]), dict(params=[B], lr=HYPER["lr"] * LORAPLUS_RATIO)]
        losses, traj = run([A, B, b], lambda: (B @ A, b), target, groups)
        write_group(f, "loraplus", dict(HYPER, loraplus_lr_ratio=LORAPLUS_RATIO),
                    dict(target=target, A0=A0, B0=B0, bias0=bias0), losses, dict(A=traj[0], B=traj[1], bias=traj[2]))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "golden"))
