-- The experiment DSL of loft-harness, embedded in the `loft` binary. An experiment file calls
-- experiment{...} once; expand() turns it into the ordered list of runs (id, label, overrides).
--
--   experiment {
--     name     = "mf_ablation",            -- results/<name>.h5 (default: the file's base name)
--     base     = "configs/mf.yaml",        -- the base config every run starts from
--     set      = { steps = 300 },          -- overrides for every run
--     grid     = { rank = {1, 2, 4, 8} },  -- every combination of these values ...
--     variants = {                         -- ... for every variant (a label + overrides);
--       { label = "lora", method = "lora" },   --   keys a variant sets leave the grid for it
--       { label = "loft-no-alt", method = "loft", alternate_update = false },
--     },
--     seeds    = {1, 2, 3},                -- ... and every seed
--   }
--
-- Run ids are "<label>.<grid key>=<value>...seed=<seed>", unique and stable across edits. A run's
-- label is its variant's label, else its method (the variant's, else set's), else "base". An
-- experiment with neither variants nor grid runs the base config (with set) once per seed; when
-- set names no method either, the loader prints a note saying so.
--
-- Reading a name the file never defined is an error ("x.lua:3: undefined name 'rnaks'"), so a typo
-- cannot drop a grid axis or a variant's key; defining globals (helpers, tables) is free. A key
-- that is a Lua keyword is written with brackets: set = { ["in"] = 256 }.
--
-- A hyper-parameter can be chosen on validation data by the harness:
--
--     tune = { lr = { 3e-4, 1e-3, 3e-3 }, on = "val_loss", better = "lower", rank = 4, seeds = { 1 } },
--
-- For every variant that does not set lr itself, and every combination of the grid keys tune does
-- not fix (rank here), `loft run` first runs each lr (ids "tune.<label>...lr=<v>.seed=<s>") with
-- the other fixed keys (rank = 4), then gives the variant's runs the lr with the best mean of the
-- evaluation column `on` (its last value; better: "lower" or "higher", default the direction the task
-- declares for that column). The tuning runs stay in the results file (role "tune") and the choice is
-- recorded with every run (tuned_key, tuned_value); tables are computed on the other runs only.
-- A variant may bring its own values with `tune_values = { 1e3, 1e4, 1e5 }` (a method whose
-- step has another scale, e.g. AltLoRA's unnormalised one), and its own fixed keys with
-- `tune_at = { rank = 8 }` (keys tune fixes, at other values: where the comparison is made, e.g.
-- the rank at which a problem is solvable); the rest of `tune` still applies.
-- `widen = N` lets the grid grow: when a group's choice is the smallest or largest value tried,
-- the sweep adds the next value beyond it (the grid's mean ratio, 2 significant digits) and runs
-- it at every tuning seed, up to N values on each side; a choice still at an edge after that is
-- marked in the tuning table (sweep/widen.h).
-- `follow = { reference_lr = "adamw" }` (a variant's, or the experiment's for every other row)
-- gives a run's key the value chosen for another row's tuned key at the same grid point: e.g. the
-- lockstep full-AdamW shadow (reference_distance) at full AdamW's own tuned learning rate. Such a
-- run waits for that choice.
--
-- The experiment's tables and figures are declared with it (`loft table|export|figures X.lua`):
--
--     report = {
--       title    = "ViT on MNIST",                 -- table title (default: the name)
--       group_by = "group",                        -- runs tabulated apart by this string attribute
--       families = {                               -- comparisons, each family Holm-adjusted on its own
--         { name = "methods vs LoRA", compare_to = "lora", rows = { "dora", "loft*" },
--           metrics = { "test_accuracy" } },       -- rows: labels or patterns (* ?), none: every row;
--       },                                         -- metrics: tables covered, none: every table
--       compare_to = "lora",                       -- instead of families: one family, every row vs lora
--       margin = { test_accuracy = 1.0, perplexity = "2%" },   -- equivalence margins (TOST) per table:
--                                                  -- in the table's units, or "N%" of the reference
--       tables   = {                               -- one table per entry, rows = labels, columns = ranks
--         { metric = "test_accuracy", scale = 100, digits = 1, caption = "test accuracy (%)", better = "higher" },
--         { metric = "final_loss", caption = "final loss" },       -- digits absent: 1.23e-04
--         { metric = "test_accuracy", scale = 100, test_items = true },   -- an accuracy: the interval also
--                                                  -- carries the test set's sampling error (binomial)
--         { metric = "final_loss", log10 = true }, -- orders of magnitude: geometric mean [95 % interval
--       },                                         -- of log10], compared by paired log10 differences;
--                                                  -- metric: final_loss, steps_to_threshold or an
--                                                  -- evaluation column of the task (its last value)
--       curves   = { acc = { "test_accuracy", "balanced_accuracy", scale = 100 } },  -- .acc.dat files
--       figures  = {                               -- gnuplot runs; {key} is replaced by each value;
--                                                  -- {data}: the experiment's .dat folder, {figures}:
--                                                  -- RESULTS/figures (datadir and out default to them)
--         { script = "plots/eval_curves.gp", rank = { 1, 4 }, group = { "unseen" },
--           set = { datadir = "{data}/{group}", out = "{figures}/vit_{group}_r{rank}" } },
--       },
--     }
--
-- with_block_ablations(variants, extra) returns variants followed by LoFT with each of its six
-- blocks switched off alone (labels loft-no-alternate, loft-no-rescale, loft-no-momentum-calib,
-- loft-no-second-moment, loft-no-full-update, loft-no-proj-clip), each also setting extra.

local defined = nil
local planned_labels = nil   -- the labels expand() planned, for report_spec()'s checks
local MAX_RUNS = 100000   -- an experiment larger than this is a mistake in its grid

function experiment(e)
  if defined then error("experiment{} is called twice; one experiment per file", 2) end
  if type(e) ~= "table" then error("experiment expects a table: experiment{ name = ..., base = ... }", 2) end
  defined = e
end

-- LoFT's building blocks as { label of the variant with the block off, its switch }, in spec
-- order: the `ablation` column of core/methods/settings.def, set by the C side before this file
local BLOCKS = LOFT_BLOCKS
LOFT_BLOCKS = nil
-- suggest(word, names): the closest of names to a misspelt word, or nil (C: core/io/suggest.h)
local suggest = LOFT_SUGGEST
LOFT_SUGGEST = nil

-- "unknown field 'x'" for a table declared by `what`, with a "did you mean" when one is close
local function unknown_field(what, k, known)
  local near = type(k) == "string" and suggest(k, known) or nil
  error(what .. ": unknown field '" .. tostring(k) .. "'" .. (near and ("; did you mean '" .. near .. "'?") or "") ..
        " (known: " .. table.concat(known, ", ") .. ")", 0)
end

function with_block_ablations(variants, extra)
  local out = {}
  for _, v in ipairs(variants) do out[#out + 1] = v end
  for _, b in ipairs(BLOCKS) do
    local v = { label = b[1], method = "loft", [b[2]] = false }
    for k, x in pairs(extra or {}) do v[k] = x end
    out[#out + 1] = v
  end
  return out
end

local FIELDS = { "name", "base", "set", "grid", "variants", "seeds", "description", "report", "tune", "follow" }
local KNOWN = {}
for _, k in ipairs(FIELDS) do KNOWN[k] = true end

local function fmt(v)
  if type(v) == "boolean" then return v and "true" or "false" end
  if math.type(v) == "integer" then return string.format("%d", v) end
  if type(v) == "number" then
    if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", math.tointeger(v)) end
    local short = string.format("%.15g", v)   -- the shortest form that reads back exactly
    if tonumber(short) == v then return short end
    return string.format("%.17g", v)
  end
  if type(v) == "string" then return v end
  error("a config value must be a number, string or boolean, got " .. type(v), 0)
end

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do
    if type(k) ~= "string" then error("config keys must be strings, got " .. tostring(k), 0) end
    ks[#ks + 1] = k
  end
  table.sort(ks)
  return ks
end

-- returns name, base, runs, note; runs[i] = { id = ..., label = ..., overrides = { {key, value}, ... } };
-- note: nil, or what the loader prints about an experiment with neither variants nor grid
function expand(default_name)
  local e = defined
  if not e then error("the file never calls experiment{...}", 0) end
  for k in pairs(e) do
    if not KNOWN[k] then unknown_field("experiment{}", k, FIELDS) end
  end
  local name = e.name or default_name
  if type(name) ~= "string" or not name:match("^[%w_%-]+$") then
    error("experiment{}: name must be letters, digits, '_' or '-', got " .. tostring(name), 0)
  end
  if type(e.base) ~= "string" then error("experiment{}: base must name a YAML config, e.g. base = \"configs/mf.yaml\"", 0) end
  local seeds = e.seeds or { 1 }
  if type(seeds) ~= "table" or #seeds == 0 then
    error("experiment{}: seeds must be a non-empty list of integers, e.g. seeds = { 1, 2, 3 }", 0)
  end
  for i, s in ipairs(seeds) do
    if math.type(s) ~= "integer" or s < 0 then error("experiment{}: seeds[" .. i .. "] must be an integer >= 0", 0) end
  end
  local grid, gkeys = e.grid or {}, sorted_keys(e.grid or {})
  for _, k in ipairs(gkeys) do
    if type(grid[k]) ~= "table" or #grid[k] == 0 then
      error("experiment{}: grid." .. k .. " must be a non-empty list of values", 0)
    end
  end
  local variants = e.variants or { {} }
  if type(variants) ~= "table" or #variants == 0 then error("experiment{}: variants must be a non-empty list of tables", 0) end
  local set = e.set or {}
  if type(set) ~= "table" then error("experiment{}: set must be a table of config keys", 0) end
  local note = nil   -- the plain case: nothing says what the runs compare, not even a method
  if e.variants == nil and #gkeys == 0 and set.method == nil then
    note = string.format("experiment{} has neither variants nor grid: one run per seed of the base config %s%s, " ..
      "labelled 'base'; to compare settings add variants = { { label = \"...\", method = \"...\" }, ... } or " ..
      "grid = { KEY = { values } }", e.base, next(set) and " (plus set)" or "")
  end
  local total = 0   -- the number of runs, counted before any is built
  for _, v in ipairs(variants) do
    local count = #seeds
    for _, k in ipairs(gkeys) do if type(v) ~= "table" or v[k] == nil then count = count * #grid[k] end end
    total = total + count
  end
  if total > MAX_RUNS then
    error(string.format("experiment{}: %.0f runs (variants x grid x seeds); at most %d in one experiment", total, MAX_RUNS), 0)
  end

  -- the tuned key, its values, the fixed keys and the metric (see the header)
  local tune, tkey, tfixed = e.tune, nil, {}
  if tune ~= nil then
    if type(tune) ~= "table" or type(tune.on) ~= "string" then
      error("tune: expected { KEY = { values }, on = \"<evaluation column>\", ... }", 0)
    end
    for k, x in pairs(tune) do
      if k ~= "on" and k ~= "better" and k ~= "seeds" and k ~= "widen" then
        if type(x) == "table" then
          if tkey then error("tune: one key is tuned at a time (" .. tkey .. " and " .. k .. ")", 0) end
          if #x == 0 then error("tune." .. k .. " must be a non-empty list of values", 0) end
          tkey = k
        else tfixed[k] = x end
      end
    end
    if not tkey then error("tune: no list of values to choose from (e.g. lr = { 1e-3, 3e-3 })", 0) end
    if tune.better ~= nil and tune.better ~= "higher" and tune.better ~= "lower" then
      error("tune.better must be \"higher\" or \"lower\"", 0)
    end
    if tune.widen ~= nil and (math.type(tune.widen) ~= "integer" or tune.widen < 0 or tune.widen > 8) then
      error("tune.widen must be a whole number of steps from 0 to 8 (how far the grid may grow on each side)", 0)
    end
    tune.seeds = tune.seeds or { seeds[1] }
    if type(tune.seeds) ~= "table" or #tune.seeds == 0 then error("tune.seeds must be a non-empty list", 0) end
  end
  -- 1 higher is better, 0 lower, -1 not given: the task's direction of the column (loft checks it)
  local higher = not tune and 0 or tune.better == "higher" and 1 or tune.better == "lower" and 0 or -1

  local runs, seen = {}, {}
  for vi, v in ipairs(variants) do
    if type(v) ~= "table" then error("experiment{}: variants[" .. vi .. "] must be a table", 0) end
    local label = v.label or v.method or set.method or "base"
    if not tostring(label):match("^[%w_%-%+]+$") then
      error("experiment{}: variant label '" .. tostring(label) .. "' must be letters, digits, '_', '-' or '+'", 0)
    end
    if v.tune_values ~= nil then
      if not tkey then error("experiment{}: variant '" .. label .. "' sets tune_values but the experiment has no tune", 0) end
      if type(v.tune_values) ~= "table" or #v.tune_values == 0 then
        error("experiment{}: variant '" .. label .. "': tune_values must be a non-empty list of values", 0)
      end
      if v[tkey] ~= nil then
        error("experiment{}: variant '" .. label .. "' sets both " .. tkey .. " and tune_values (pin it or tune it)", 0)
      end
    end
    if v.tune_at ~= nil then
      if not tkey then error("experiment{}: variant '" .. label .. "' sets tune_at but the experiment has no tune", 0) end
      if type(v.tune_at) ~= "table" then error("experiment{}: variant '" .. label .. "': tune_at must be a table of keys", 0) end
      for k, _ in pairs(v.tune_at) do
        if tfixed[k] == nil then
          error("experiment{}: variant '" .. label .. "': tune_at." .. tostring(k) .. " is not a key tune fixes (tune_at moves one of them)", 0)
        end
      end
    end
    local free = {}
    for _, k in ipairs(gkeys) do if v[k] == nil then free[#free + 1] = k end end
    local function combos(i, acc)
      if i > #free then
        for _, seed in ipairs(seeds) do
          local ov, idparts = {}, { label }
          for _, k in ipairs(sorted_keys(set)) do ov[#ov + 1] = { k, fmt(set[k]) } end
          for _, kv in ipairs(acc) do
            ov[#ov + 1] = kv
            idparts[#idparts + 1] = kv[1] .. "=" .. kv[2]
          end
          for _, k in ipairs(sorted_keys(v)) do
            if k ~= "label" and k ~= "tune_values" and k ~= "tune_at" and k ~= "follow" then ov[#ov + 1] = { k, fmt(v[k]) } end
          end
          ov[#ov + 1] = { "seed", fmt(seed) }
          idparts[#idparts + 1] = "seed=" .. seed
          local id = table.concat(idparts, ".")
          if seen[id] then error("experiment{}: two runs share the id '" .. id .. "' (give variants distinct labels)", 0) end
          seen[id] = true
          local run = { id = id, label = label, overrides = ov, acc = acc, follow = v.follow or e.follow }
          if tkey and v[tkey] == nil then   -- this variant's tkey is chosen on validation data
            local g = { label }
            for _, kv in ipairs(acc) do if tfixed[kv[1]] == nil then g[#g + 1] = kv[1] .. "=" .. kv[2] end end
            run.tune_group, run.tune_key, run.tune_values, run.tune_at = table.concat(g, "."), tkey, v.tune_values, v.tune_at
          end
          runs[#runs + 1] = run
        end
        return
      end
      local k = free[i]
      for _, val in ipairs(grid[k]) do
        local nacc = { table.unpack(acc) }
        nacc[#nacc + 1] = { k, fmt(val) }
        combos(i + 1, nacc)
      end
    end
    combos(1, {})
  end
  -- follow = { KEY = "LABEL" } (a variant's, or the experiment's for every other row): the run's KEY
  -- takes the value of the tuned key chosen for row LABEL's group of the same grid point
  for _, r in ipairs(runs) do
    local f = r.follow
    if f ~= nil then
      if type(f) ~= "table" then error("experiment{}: follow must be a table { KEY = \"LABEL\" }", 0) end
      for k, lab in pairs(f) do
        if not tkey then error("experiment{}: follow." .. tostring(k) .. " needs a tuned key (tune = { ... })", 0) end
        if type(lab) ~= "string" then error("experiment{}: follow." .. tostring(k) .. " must name a row's label", 0) end
        if r.label ~= lab then
          local group
          for _, q in ipairs(runs) do
            if q.label == lab and q.tune_group and not group then
              local same = true
              for _, kv in ipairs(q.acc) do
                for _, mine in ipairs(r.acc) do if mine[1] == kv[1] and mine[2] ~= kv[2] then same = false end end
              end
              if same then group = q.tune_group end
            end
          end
          if not group then
            error("experiment{}: follow." .. k .. " = \"" .. lab .. "\": no row labelled " .. lab .. " whose " .. tkey .. " is tuned", 0)
          end
          if r.follow_key then error("experiment{}: row " .. r.label .. " follows more than one key", 0) end
          r.follow_key, r.follow_group = k, group
        end
      end
    end
  end
  for _, r in ipairs(runs) do r.acc, r.follow = nil, nil end
  if tkey then   -- the tuning runs, first: every group of the final runs, every value, every tuning seed
    local tuning, groups = {}, {}
    for _, r in ipairs(runs) do if r.tune_group and not groups[r.tune_group] then groups[r.tune_group] = r; groups[#groups + 1] = r end end
    for _, r in ipairs(groups) do
      for _, val in ipairs(r.tune_values or tune[tkey]) do
        for _, seed in ipairs(tune.seeds) do
          local ov, fixedseen, fx = {}, {}, {}
          for k, x in pairs(tfixed) do fx[k] = x end
          for k, x in pairs(r.tune_at or {}) do fx[k] = x end
          for _, kv in ipairs(r.overrides) do
            local k = kv[1]
            if fx[k] ~= nil then ov[#ov + 1] = { k, fmt(fx[k]) }; fixedseen[k] = true
            elseif k ~= "seed" then ov[#ov + 1] = kv end
          end
          for _, k in ipairs(sorted_keys(fx)) do if not fixedseen[k] then ov[#ov + 1] = { k, fmt(fx[k]) } end end
          ov[#ov + 1] = { tkey, fmt(val) }
          ov[#ov + 1] = { "seed", fmt(seed) }
          local id = "tune." .. r.tune_group .. "." .. tkey .. "=" .. fmt(val) .. ".seed=" .. seed
          if seen[id] then error("experiment{}: two runs share the id '" .. id .. "'", 0) end
          seen[id] = true
          tuning[#tuning + 1] = { id = id, label = r.label, overrides = ov, role = "tune", tune_group = r.tune_group,
                                  tune_key = tkey, tune_value = fmt(val), tune_on = tune.on, tune_higher = higher,
                                  tune_widen = tune.widen or 0 }
        end
      end
    end
    for _, r in ipairs(runs) do
      if r.tune_group then r.tune_on, r.tune_higher = tune.on, higher end
      tuning[#tuning + 1] = r
    end
    runs = tuning
  end
  planned_labels = {}
  for _, r in ipairs(runs) do planned_labels[r.label] = true end
  return name, e.base, runs, note
end

-- a gnuplot -e value: numbers as they are, anything else quoted
local function gp_value(v)
  if type(v) == "number" then return fmt(v) end
  return "'" .. tostring(v):gsub("'", "''") .. "'"
end

-- the figure declaration f expanded over its list-valued keys (rank, group, ...): a list of
-- { script, "-e" text } with every {key} replaced
local function expand_figure(f, fi)
  if type(f.script) ~= "string" then error("report.figures[" .. fi .. "]: script must name a gnuplot file", 0) end
  local axes, lists = {}, {}
  for _, k in ipairs(sorted_keys(f)) do
    if k ~= "script" and k ~= "set" then
      local v = f[k]
      if type(v) ~= "table" then v = { v } end
      axes[#axes + 1] = k; lists[#lists + 1] = v
    end
  end
  local out = {}
  local function walk(i, vals)
    if i > #axes then
      local parts = {}
      for _, k in ipairs(axes) do parts[#parts + 1] = k .. "=" .. gp_value(vals[k]) end
      for _, k in ipairs(sorted_keys(f.set or {})) do
        local v = f.set[k]
        if type(v) == "string" then v = v:gsub("{(%w+)}", function(name) return vals[name] ~= nil and fmt(vals[name]) or "{" .. name .. "}" end) end
        parts[#parts + 1] = k .. "=" .. gp_value(v)
      end
      out[#out + 1] = { f.script, table.concat(parts, "; ") }
      return
    end
    for _, v in ipairs(lists[i]) do
      vals[axes[i]] = v
      walk(i + 1, vals)
    end
  end
  walk(1, {})
  return out
end

-- a glob pattern of labels (* and ?) as a Lua pattern anchored at both ends
local function glob_pattern(g)
  return "^" .. g:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0"):gsub("%*", ".*"):gsub("%?", ".") .. "$"
end

-- "x must be a list of strings" unless v is nil or one
local function string_list(v, what)
  if v == nil then return {} end
  if type(v) ~= "table" then error(what .. " must be a list of strings", 0) end
  for i, s in ipairs(v) do
    if type(s) ~= "string" then error(what .. "[" .. i .. "] must be a string", 0) end
  end
  return v
end

-- the families of a report, checked against its tables and the planned labels: a list of
-- { name, compare_to, rows, metrics }
local function report_families(r, metrics)
  if r.families ~= nil and r.compare_to ~= nil then
    error("report: declare families or compare_to (the one-family shorthand), not both", 0)
  end
  local out = {}
  if r.families == nil then return out end
  if type(r.families) ~= "table" then error("report.families must be a list of { name, compare_to, rows, metrics }", 0) end
  local fields = { "name", "compare_to", "rows", "metrics" }
  local known = {}
  for _, k in ipairs(fields) do known[k] = true end
  for i, f in ipairs(r.families) do
    local what = "report.families[" .. i .. "]"
    if type(f) ~= "table" then error(what .. " must be a table { name, compare_to, rows, metrics }", 0) end
    for k in pairs(f) do if not known[k] then unknown_field(what, k, fields) end end
    if type(f.name) ~= "string" then error(what .. ": name must be a string (it heads the family in the legends and findings)", 0) end
    if type(f.compare_to) ~= "string" then error(what .. ": compare_to must be the label of the reference row", 0) end
    if planned_labels and not planned_labels[f.compare_to] then
      error(what .. ": compare_to '" .. f.compare_to .. "' is no label of the experiment", 0)
    end
    local rows, ms = string_list(f.rows, what .. ".rows"), string_list(f.metrics, what .. ".metrics")
    for _, p in ipairs(rows) do
      local hit = false
      for label in pairs(planned_labels or {}) do hit = hit or label:match(glob_pattern(p)) ~= nil end
      if planned_labels and not hit then error(what .. ": rows entry '" .. p .. "' matches no label of the experiment", 0) end
    end
    for _, m in ipairs(ms) do
      if next(metrics) and not metrics[m] then error(what .. ": metrics entry '" .. m .. "' is no table's metric", 0) end
    end
    out[#out + 1] = { f.name, f.compare_to, rows, ms }
  end
  return out
end

-- the margin of metric m: number, relative (0 or 1); "2%" is 0.02, relative
local function parse_margin(v, m)
  local what = "report.margin." .. m
  if type(v) == "number" and v > 0 then return v, 0 end
  if type(v) == "string" then
    local pct = tonumber(v:match("^%s*([%d%.eE+-]+)%s*%%%s*$") or "")
    if pct and pct > 0 then return pct / 100, 1 end
  end
  error(what .. ": expected a positive number (in the table's units) or a percentage such as \"2%\", got " .. tostring(v), 0)
end

-- the report declaration, checked and flattened for C:
-- title, group_by, tables = { {metric, caption, scale, digits, better, log10, margin, relative} },
-- curves = { {name, col1, col2, scale} }, figures = { {script, args} }, compare_to, families
function report_spec()
  local r = (defined and defined.report) or {}
  if type(r) ~= "table" then error("experiment{}: report must be a table", 0) end
  local fields = { "title", "group_by", "compare_to", "families", "margin", "tables", "curves", "figures" }
  local known = {}
  for _, k in ipairs(fields) do known[k] = true end
  for k in pairs(r) do
    if not known[k] then unknown_field("report", k, fields) end
  end
  local tables, curves, figures, metrics = {}, {}, {}, {}
  local tfields = { "metric", "caption", "scale", "digits", "better", "log10", "test_items" }
  local tknown = {}
  for _, k in ipairs(tfields) do tknown[k] = true end
  for i, t in ipairs(r.tables or {}) do
    for k in pairs(t) do if not tknown[k] then unknown_field("report.tables[" .. i .. "]", k, tfields) end end
    if type(t.metric) ~= "string" then error("report.tables[" .. i .. "]: metric must be a name (final_loss, steps_to_threshold or an evaluation column)", 0) end
    if t.better ~= nil and t.better ~= "higher" and t.better ~= "lower" then
      error("report.tables[" .. i .. "]: better must be \"higher\" or \"lower\"", 0)
    end
    if t.log10 ~= nil and type(t.log10) ~= "boolean" then error("report.tables[" .. i .. "]: log10 must be true or false", 0) end
    if t.test_items ~= nil and type(t.test_items) ~= "boolean" then error("report.tables[" .. i .. "]: test_items must be true or false", 0) end
    if t.test_items and t.log10 then error("report.tables[" .. i .. "]: test_items (a proportion of test items) and log10 exclude each other", 0) end
    metrics[t.metric] = true
  end
  local margins = {}
  if r.margin ~= nil and type(r.margin) ~= "table" then error("report.margin must be a table { metric = margin }", 0) end
  for _, m in ipairs(sorted_keys(r.margin or {})) do
    if not metrics[m] then error("report.margin." .. m .. ": no table has the metric '" .. m .. "'", 0) end
    margins[m] = { parse_margin(r.margin[m], m) }
  end
  for _, t in ipairs(r.tables or {}) do
    local mg = margins[t.metric] or { 0, 0 }
    tables[#tables + 1] = { t.metric, t.caption or t.metric, t.scale or 1, t.digits or -1,
                            t.better == "higher" and 1 or t.better == "lower" and 0 or -1, t.log10 and 1 or 0, mg[1], mg[2],
                            t.test_items and 1 or 0 }
  end
  for _, name in ipairs(sorted_keys(r.curves or {})) do
    local c = r.curves[name]
    if type(c[1]) ~= "string" or type(c[2]) ~= "string" then error("report.curves." .. name .. ": expected two column names", 0) end
    curves[#curves + 1] = { name, c[1], c[2], c.scale or 1 }
  end
  for i, f in ipairs(r.figures or {}) do
    for _, g in ipairs(expand_figure(f, i)) do figures[#figures + 1] = g end
  end
  return r.title or "", r.group_by or "group", tables, curves, figures, r.compare_to or "lora", report_families(r, metrics)
end
