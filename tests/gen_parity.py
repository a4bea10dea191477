"""Writes tests/golden/parity_tnurbek.h5: 20-step trajectories of the authors' public LoFTAdamW
(github tnurbek/loft at 148998d, MIT) on a small matrix-factorization problem, in double, for
several block settings. Their code is imported from the checkout given on the command line and
is never copied here. torch 1.13 (Debian) lacks torch.utils._foreach_utils, which their clipping
helper imports; an empty stand-in module is registered for it (clipping is not used here).
Usage: /usr/bin/python3 tests/gen_parity.py /path/to/loft-checkout tests/golden"""
import os
import sys
import types

import h5py
import torch
from torch import nn

from golden_common import draw_problem, mse, write_group

N_IN, N_OUT, R, STEPS = 12, 9, 3, 20
HYPER = dict(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-4, weight_decay=0.01, steps=STEPS)
SETTINGS = {   # name -> LoFTAdamW keyword arguments
    "all_on": dict(),
    "no_alternate": dict(alternate_update=False),
    "no_second_moment": dict(reproject_second_moment=False),
    "no_reprojection": dict(reproject_momentum=False, reproject_second_moment=False),
    "rescale_only": dict(alternate_update=False, reproject_momentum=False, reproject_second_moment=False),
}


class Factorized(nn.Module):
    """W = lora_B.weight @ lora_A.weight with lora_B's bias: the layout their optimizer matches by name."""
    def __init__(self, A0, B0, bias0):
        super().__init__()
        self.lora_A = nn.Linear(N_IN, R, bias=False)
        self.lora_B = nn.Linear(R, N_OUT, bias=True)
        with torch.no_grad():
            self.lora_A.weight.copy_(A0)
            self.lora_B.weight.copy_(B0)
            self.lora_B.bias.copy_(bias0)


def import_authors(path):
    if "torch.utils._foreach_utils" not in sys.modules:
        try:
            import torch.utils._foreach_utils  # noqa: F401
        except ImportError:
            stub = types.ModuleType("torch.utils._foreach_utils")
            for name in ("_device_has_foreach_support", "_group_tensors_by_device_and_dtype", "_has_foreach_support"):
                setattr(stub, name, None)
            sys.modules["torch.utils._foreach_utils"] = stub
    sys.path.insert(0, path)
    from loft_optim.optimizer import LoFTAdamW
    return LoFTAdamW


def main(loft_path, outdir):
    LoFTAdamW = import_authors(loft_path)
    target, A0, B0, bias0 = draw_problem(4321, N_IN, N_OUT, R, 2)
    with h5py.File(os.path.join(outdir, "parity_tnurbek.h5"), "w") as f:
        f.attrs["generator"] = "tests/gen_parity.py with tnurbek/loft 148998d, torch " + torch.__version__
        for name, kwargs in SETTINGS.items():
            model = Factorized(A0, B0, bias0)
            opt = LoFTAdamW(model.parameters(), lr=HYPER["lr"], betas=(HYPER["beta1"], HYPER["beta2"]),
                            eps=HYPER["eps"], weight_decay=HYPER["weight_decay"], model=model, **kwargs)
            losses, traj = [], dict(A=[], B=[], bias=[])
            for _ in range(STEPS):
                opt.zero_grad()
                loss = mse(model.lora_B.weight @ model.lora_A.weight, model.lora_B.bias, target)
                loss.backward()
                losses.append(loss.item())
                opt.step()
                traj["A"].append(model.lora_A.weight.detach().clone())
                traj["B"].append(model.lora_B.weight.detach().clone())
                traj["bias"].append(model.lora_B.bias.detach().clone())
            hyper = dict(HYPER, alternate_update=kwargs.get("alternate_update", True),
                         rescale_grads=kwargs.get("rescale_grads", True),
                         reproject_momentum=kwargs.get("reproject_momentum", True),
                         reproject_second_moment=kwargs.get("reproject_second_moment", True))
            write_group(f, name, hyper, dict(target=target, A0=A0, B0=B0, bias0=bias0), losses, traj)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: gen_parity.py /path/to/tnurbek-loft-checkout [outdir]")
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "golden"))
