-- Claim C3 on the GPT (`make studies`): is LoRA's alpha redundant for LoFT? LoRA (s = alpha / r),
-- rsLoRA (s = alpha / sqrt r) and LoFT at alpha in {r/4, r, 4r, 16r} (alpha_per_rank; labels
-- <method>-a<alpha / r>r, "_" for the decimal point) and ranks 1 and 8 (rsLoRA at r = 8 only: at
-- r = 1 it is LoRA), adapting the GPT of experiments/gpt_ablation.lua to the Jargon File, 30 steps.
-- Each (method, alpha, rank) gets its own learning rate, chosen on the validation slice by held-out
-- loss over a half-decade grid of 2 decades grown until the choice is inside it; the tuning table
-- is the measurement (the best validation loss per alpha, and where the best learning rate moves
-- with alpha and rank). The reported runs are seeds 1-3, seeds 1 and 2 being the tuning runs at the
-- chosen rate (copied, not rerun): an alpha is compared with alpha = r of the same method on the
-- held-out text, paired by seed. LoFT's step does not depend on alpha by construction of its scale
-- handling (core/optim/loft.c, tests/test_loft_invariance.c): its rows measure that in float32 on a
-- real task. 30 steps keep this study and experiments/alpha_study_vit.lua under 10 minutes on 2
-- cores together (a GPT run is mostly its evaluations).
local MULTS = { { "0_25", 0.25 }, { "1", 1 }, { "4", 4 }, { "16", 16 } }
local variants = {}
for _, m in ipairs({ { "lora", "lora", "lora" }, { "rslora", "lora", "rslora" }, { "loft", "loft", "lora" } }) do
  for _, a in ipairs(MULTS) do
    local v = { label = m[1] .. "-a" .. a[1] .. "r", method = m[2], scaling = m[3], alpha_per_rank = a[2] }
    if m[1] == "rslora" then v.rank = 8 end
    variants[#variants + 1] = v
  end
end

experiment {
  name = "alpha_study_gpt",
  base = "configs/gpt.yaml",
  set = { steps = 30, batch_size = 8, eval_every = 30 },
  seeds = { 1, 2, 3 },
  grid = { rank = { 1, 8 } },
  variants = variants,
  tune = { lr = { 3e-4, 1e-3, 3e-3, 1e-2, 3e-2 }, on = "val_loss", better = "lower", seeds = { 1, 2 }, widen = 3 },
  report = {
    title = "GPT, fortunes to the Jargon File: alpha x learning rate x rank",
    families = {
      { name = "LoFT: alpha vs alpha = r", compare_to = "loft-a1r", rows = { "loft-a*" }, metrics = { "perplexity" } },
      { name = "LoRA: alpha vs alpha = r", compare_to = "lora-a1r", rows = { "lora-a*" }, metrics = { "perplexity" } },
      { name = "rsLoRA: alpha vs alpha = r", compare_to = "rslora-a1r", rows = { "rslora-a*" }, metrics = { "perplexity" } },
    },
    margin = { perplexity = "2%" },
    tables = {
      { metric = "perplexity", digits = 1, caption = "held-out perplexity at each row's chosen learning rate" },
    },
    figures = {
      { script = "plots/alpha_study.gp",
        set = { datadir = "{data}/jargon", ylabel = "validation loss (nats per token)", out = "{figures}/alpha_study_gpt",
                title = "GPT on the Jargon File, 30 steps: each (method, alpha, rank) at its own learning rate" } },
    },
  },
}
