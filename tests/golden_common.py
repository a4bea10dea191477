"""Shared by the golden-file generators (run by hand with Debian's python3-torch, not by CI):
the matrix-factorization problem of core/tasks/mf.c in torch, in double, and the writer of one
trajectory group. pred (in,out) = W^T + b with W (out,in); loss = mean((pred - T)^2)."""
import h5py
import numpy as np
import torch

torch.set_default_dtype(torch.float64)


def draw_problem(seed, n_in, n_out, r, target_rank):
    """target (in,out) of the given rank, A0 (r,in), B0 (out,r), bias0 (out,): all non-zero."""
    g = torch.Generator().manual_seed(seed)
    target = torch.randn(n_in, target_rank, generator=g) @ torch.randn(target_rank, n_out, generator=g)
    A0 = (torch.rand(r, n_in, generator=g) * 2 - 1) / n_in ** 0.5
    B0 = (torch.rand(n_out, r, generator=g) * 2 - 1) / r ** 0.5
    bias0 = (torch.rand(n_out, generator=g) * 2 - 1) / r ** 0.5
    return target, A0, B0, bias0


def mse(W, bias, target):
    return ((W.t() + bias - target) ** 2).mean()


def write_group(f, name, hyper, problem, losses, traj):
    """problem: dict of starting arrays; traj: dict name -> list of per-step arrays (after each step)."""
    g = f.create_group(name)
    for k, v in hyper.items():
        g.attrs[k] = float(v)
    for k, v in problem.items():
        g.create_dataset(k, data=v.detach().numpy())
    g.create_dataset("losses", data=np.array(losses))
    for k, steps in traj.items():
        g.create_dataset(k, data=np.stack([s.detach().numpy() for s in steps]))
