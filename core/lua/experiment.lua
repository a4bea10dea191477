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
-- Run ids are "<label>.<grid key>=<value>...seed=<seed>", unique and stable across edits.
--
-- with_block_ablations(variants, extra) returns variants followed by LoFT with each of its six
-- blocks switched off alone (labels loft-no-alternate, loft-no-rescale, loft-no-momentum-calib,
-- loft-no-second-moment, loft-no-full-update, loft-no-proj-clip), each also setting extra.

local defined = nil

function experiment(e)
  if defined then error("experiment{} is called twice; one experiment per file", 2) end
  if type(e) ~= "table" then error("experiment expects a table: experiment{ name = ..., base = ... }", 2) end
  defined = e
end

local BLOCKS = {
  { "loft-no-alternate", "alternate_update" }, { "loft-no-rescale", "rescale_grads" },
  { "loft-no-momentum-calib", "reproject_momentum" }, { "loft-no-second-moment", "reproject_second_moment" },
  { "loft-no-full-update", "project_full_update" }, { "loft-no-proj-clip", "clip_projected" },
}

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

local KNOWN = { name = true, base = true, set = true, grid = true, variants = true, seeds = true, description = true }

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

-- returns name, base, runs; runs[i] = { id = ..., label = ..., overrides = { {key, value}, ... } }
function expand(default_name)
  local e = defined
  if not e then error("the file never calls experiment{...}", 0) end
  for k in pairs(e) do
    if not KNOWN[k] then error("experiment{}: unknown field '" .. tostring(k) ..
      "' (known: name, base, set, grid, variants, seeds, description)", 0) end
  end
  local name = e.name or default_name
  if type(name) ~= "string" or not name:match("^[%w_%-]+$") then
    error("experiment{}: name must be letters, digits, '_' or '-', got " .. tostring(name), 0)
  end
  if type(e.base) ~= "string" then error("experiment{}: base must name a YAML config, e.g. base = \"configs/mf.yaml\"", 0) end
  local seeds = e.seeds or { 1 }
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
  local set = e.set or {}

  local runs, seen = {}, {}
  for vi, v in ipairs(variants) do
    if type(v) ~= "table" then error("experiment{}: variants[" .. vi .. "] must be a table", 0) end
    local label = v.label or v.method or set.method or "run"
    if not tostring(label):match("^[%w_%-%+]+$") then
      error("experiment{}: variant label '" .. tostring(label) .. "' must be letters, digits, '_', '-' or '+'", 0)
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
          for _, k in ipairs(sorted_keys(v)) do if k ~= "label" then ov[#ov + 1] = { k, fmt(v[k]) } end end
          ov[#ov + 1] = { "seed", fmt(seed) }
          idparts[#idparts + 1] = "seed=" .. seed
          local id = table.concat(idparts, ".")
          if seen[id] then error("experiment{}: two runs share the id '" .. id .. "' (give variants distinct labels)", 0) end
          seen[id] = true
          runs[#runs + 1] = { id = id, label = label, overrides = ov }
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
  return name, e.base, runs
end
