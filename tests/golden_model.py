"""Shared by the model golden generators (gen_vit_golden.py, gen_gpt_golden.py; run by hand with
Debian's python3-torch): random float32 parameters that need gradients, and the writer of one
model's golden file (attributes, inputs, logits, loss, every parameter and its gradient)."""
import h5py
import torch


def random_params(shapes, g, norm_scale):
    """name -> shape: N(0, 0.3^2) tensors, norm weights ("ln*_w") 1 + N(0, norm_scale^2)"""
    params = {}
    for name, shape in shapes.items():
        norm_w = name.startswith("ln") and name.endswith("_w")
        params[name] = ((1.0 if norm_w else 0.0) + (norm_scale if norm_w else 0.3) * torch.randn(shape, generator=g)).float().requires_grad_(True)
    return params


def write_model_golden(path, script, attrs, inputs, logits, loss, params):
    """after loss.backward(): attrs (name -> int), inputs (name -> array) at the root"""
    with h5py.File(path, "w") as f:
        f.attrs["generator"] = script + ", torch " + torch.__version__
        for k, v in attrs.items():
            f.attrs[k] = v
        for k, v in inputs.items():
            f[k] = v
        f["logits"] = logits.detach().numpy()
        f["loss"] = [loss.item()]
        for name, p in params.items():
            f["params/" + name] = p.detach().numpy()
            f["grads/" + name] = p.grad.numpy()
