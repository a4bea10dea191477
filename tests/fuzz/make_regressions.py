#!/usr/bin/python3
"""Writes the hand-made regression inputs of tests/fuzz/regressions/KIND/ (each once crashed
or misbehaved, see issue "Nothing lost, nothing crashes"); fuzz.sh replays them every run and
they must end in a clean error. Needs Debian's python3-h5py and python3-numpy; run by hand.
Usage: tests/fuzz/make_regressions.py SEED_RESULTS.h5 SEED_PROBLEM.h5"""
import json, os, struct, sys
import h5py, numpy as np

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "regressions")
def path(kind, name):
    os.makedirs(os.path.join(root, kind), exist_ok=True)
    return os.path.join(root, kind, name)

seed_results, seed_problem = sys.argv[1], sys.argv[2]
# results files: a 1-D trajectory, 200 column names, an array-valued final_loss, a string rank
for name, edit in [
    ("traj-1d.h5", lambda g: (g.__delitem__("trajectory"), g.create_dataset("trajectory", data=np.arange(7.0)))),
    ("cols-200.h5", lambda g: g["trajectory"].attrs.__setitem__("columns", np.array(["c%d" % i for i in range(200)], dtype=h5py.string_dtype()))),
    ("final-loss-array.h5", lambda g: g.attrs.__setitem__("final_loss", np.arange(1000.0))),
    ("rank-string.h5", lambda g: g.attrs.__setitem__("rank", "eight")),
    ("label-array.h5", lambda g: g.attrs.__setitem__("label", np.array(["a", "b"], dtype=h5py.string_dtype()))),
]:
    out = path("results", name)
    with h5py.File(seed_results, "r") as src, h5py.File(out, "w") as dst:
        for k in src: src.copy(k, dst)
        for g in dst["runs"].values(): edit(g); break
# a results file whose first run's config attribute points past its global-heap collection's
# objects (libhdf5 1.10 crashes in H5HG_read on it; loft table reads configs in a child process)
def heap_index(src, dst, attr):
    import re
    data = bytearray(open(src, "rb").read())
    with h5py.File(src, "r") as f:
        text = f["runs"][sorted(f["runs"])[0]].attrs[attr]
    text = text.encode() if isinstance(text, str) else text
    for g in (m.start() for m in re.finditer(b"GCOL", data)):   # a heap ID: length, collection address, index
        m = re.search(re.escape(struct.pack("<IQ", len(text), g)), data)
        if m:
            at = m.start() + 12
            data[at:at + 4] = struct.pack("<I", 0x7fff0000 + struct.unpack("<I", data[at:at + 4])[0])
            open(dst, "wb").write(data)
            return
    raise SystemExit("no heap reference of %s found in %s" % (attr, src))
heap_index(seed_results, path("results", "vlen-heap-index-config.h5"), "config")
# problem files: 9 dimensions, a transposed target, NaN in A0
with h5py.File(seed_problem, "r") as src:
    T, A, B, b = (src[k][()] for k in ("target", "A0", "B0", "bias0"))
for name, data in [("dims-9.h5", {"target": np.zeros((1,) * 9), "A0": A, "B0": B, "bias0": b}),
                   ("transposed.h5", {"target": T.T.copy(), "A0": A, "B0": B, "bias0": b}),
                   ("nan.h5", {"target": T, "A0": np.where(np.arange(A.size).reshape(A.shape) == 3, np.nan, A), "B0": B, "bias0": b})]:
    with h5py.File(path("problem", name), "w") as f:
        for k, v in data.items(): f[k] = v
# YAML: an alias that would shift the next key into a value; an anchor; a tag
with open(path("yaml", "alias.yaml"), "w") as f: f.write("task: gpt\nmethod: &m lora\nrank: *m\n")
with open(path("yaml", "tag.yaml"), "w") as f: f.write("task: gpt\nrank: !!str 4\n")
# Lua: a run id far longer than 255 characters
with open(path("lua", "long-id.lua"), "w") as f:
    f.write('experiment { base = "configs/mf.yaml", variants = { { label = "%s" } } }\n' % ("x" * 300))
# our tokenizer: merges whose tokens double in length every line
lines = ["loft-bpe 1 300"] + ["%d %d" % ((256, 256) if i == 0 else (255 + i, 255 + i)) for i in range(44)]
with open(path("tokenizer", "doubling.txt"), "w") as f: f.write("\n".join(lines) + "\n")
# vocab.json with every id 0
with open(path("gpt2-vocab.json", "ids-zero.json"), "w") as f: json.dump({chr(33 + i): 0 for i in range(300)}, f)
# safetensors with overlapping data_offsets and a negative, fractional shape
def st(header, nbytes):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + bytes(nbytes)
with open(path("gpt2-model.safetensors", "overlap.safetensors"), "wb") as f:
    f.write(st({"wte.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                "wpe.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [8, 24]}}, 24))
with open(path("gpt2-model.safetensors", "shape.safetensors"), "wb") as f:
    f.write(st({"wte.weight": {"dtype": "F32", "shape": [-2, 2.5], "data_offsets": [0, 16]}}, 16))
# config.json whose MLP would need hundreds of GB (the tiny GPT-2's otherwise)
golden = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "gpt2_tiny", "config.json")
cfg = json.load(open(golden)); cfg["n_inner"] = 10000000
with open(path("gpt2-config.json", "huge-inner.json"), "w") as f: json.dump(cfg, f)
print("wrote", sum(len(fs) for _, _, fs in os.walk(root)), "files under", root)
