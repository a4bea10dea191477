-- The CUDA backend against the CPU one on the matrix-factorization task, in double
-- (tests/test_cuda.sh): every method and every LoFT building block switched off alone, 100
-- steps on a 96 x 64 problem at rank 4, each run logging its distance to full AdamW (which runs
-- in lockstep). Run by build/loft and build/loft-cuda; `loft compare` then holds every logged
-- number to 1e-10 relative.
experiment {
  name = "parity_mf",
  base = "configs/mf.yaml",
  set = { ["in"] = 96, out = 64, target_rank = 4, rank = 4, steps = 100, lr = 0.05, reference_distance = true },
  variants = {
    { label = "adamw", method = "adamw" },
    { label = "lora", method = "lora" },
    { label = "rslora", method = "lora", scaling = "rslora", alpha = 8 },
    { label = "dora", method = "dora" },
    { label = "loft", method = "loft" },
    { label = "loft-no-alternate", method = "loft", alternate_update = false },
    { label = "loft-no-rescale", method = "loft", rescale_grads = false },
    { label = "loft-no-momentum-calib", method = "loft", reproject_momentum = false },
    { label = "loft-no-second-moment", method = "loft", reproject_second_moment = false },
    { label = "loft-no-full-update", method = "loft", project_full_update = false },
    { label = "loft-clip", method = "loft", max_grad_norm = 1e-3 },
    { label = "loft-no-proj-clip", method = "loft", clip_projected = false, max_grad_norm = 1e-3 },
    { label = "loft-parity", method = "loft", parity = "tnurbek-148998d" },
    { label = "altlora", method = "altlora", alternate_first = "A", damping = 1e-5, lr = 100 },
    { label = "altlora-plus", method = "altlora-plus", alternate_first = "A", damping = 1e-5 },
    { label = "lora-plus", method = "lora-plus" },
    { label = "lora-pro", method = "lora-pro", lr = 1 },
    { label = "lora-pro-full", method = "lora-pro", lorapro_mode = "full", lr = 1, weight_decay = 0.01 },
    { label = "lora-ga", method = "lora", init = "lora-ga" },
    { label = "loft-one", method = "loft", init = "lora-one" },
    { label = "boom", method = "lora", lr = 1e300 },   -- diverges on both devices, at the same step
  },
}
