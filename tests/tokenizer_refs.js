// Reference token ids from an independent encoder: @lenml/tokenizers (a pure-JavaScript fork of
// transformers.js' tokenizers; scripts/fetch_tokenizers.sh fetches it). Run by hand, never by
// `make test`:
//   node tests/tokenizer_refs.js LIB_MAIN_JS TOKENIZER_DIR FILE...            ids, one line a file
//   node tests/tokenizer_refs.js LIB_MAIN_JS TOKENIZER_DIR --prune OUT FILE...  also a small excerpt
// Lines are "FILE<TAB>COUNT<TAB>ids..." as bench/tok_bench --ids prints them (no BOS / EOS).
// --prune writes OUT/tokenizer.json with only the vocabulary and merges these files use: every
// merge that makes one of their tokens, and its parts, recursively (a subset of the merges that
// holds every merge that fired encodes these files the same, BPE choosing the lowest rank each
// step), the 256 byte tokens and the added tokens they contain; OUT/tokenizer_config.json; and
// OUT/expected.tsv with the ids.
"use strict";
const fs = require("fs");
const path = require("path");
const [lib, dir, ...rest] = process.argv.slice(2);
let prune = null, files = rest;
if (rest[0] === "--prune") { prune = rest[1]; files = rest.slice(2); }
const { TokenizerLoader } = require(path.resolve(lib));
const tj = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8"));
const tc = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
const tok = TokenizerLoader.fromPreTrained({ tokenizerJSON: tj, tokenizerConfig: tc });
const out = [], used = new Set(), texts = [];
for (const f of files) {
  const text = fs.readFileSync(f, "utf8");
  texts.push(text);
  const ids = tok.encode(text, { add_special_tokens: false });
  ids.forEach((i) => used.add(i));
  out.push(`${prune ? path.basename(f) : f}\t${ids.length}\t${ids.join(" ")}`);
}
if (!prune) { process.stdout.write(out.join("\n") + "\n"); return; }   // no process.exit: it would cut a piped stdout short

const vocab = tj.model.vocab, byId = [];
for (const [s, i] of Object.entries(vocab)) byId[i] = s;
const pair = (m) => (typeof m === "string" ? m.split(" ") : m);
const makers = new Map();   // merged string -> indices of the merges that make it
tj.model.merges.forEach((m, k) => { const [a, b] = pair(m); const s = a + b; if (!makers.has(s)) makers.set(s, []); makers.get(s).push(k); });
const keep = new Set(), keepMerges = new Set(), todo = [];
for (const i of used) if (byId[i] !== undefined) todo.push(byId[i]);
// the 256 byte tokens: GPT-2's byte alphabet
for (let b = 0; b < 256; b++) {
  const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let n = 0; for (let c = 0; c < b; c++) n += !((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255)) ? 1 : 0;
  todo.push(String.fromCodePoint(printable ? b : 256 + n));
}
while (todo.length) {
  const s = todo.pop();
  if (keep.has(s)) continue;
  keep.add(s);
  for (const k of makers.get(s) || []) { keepMerges.add(k); const [a, b] = pair(tj.model.merges[k]); todo.push(a, b); }
}
const cfgTokens = ["bos_token", "eos_token"].map((k) => tc[k]).filter((v) => v).map((v) => (typeof v === "string" ? v : v.content));
tj.model.vocab = Object.fromEntries([...keep].map((s) => [s, vocab[s]]));
tj.model.merges = tj.model.merges.filter((m, k) => keepMerges.has(k));
tj.added_tokens = tj.added_tokens.filter((a) => texts.some((t) => t.includes(a.content)) || cfgTokens.includes(a.content));
fs.mkdirSync(prune, { recursive: true });
fs.writeFileSync(path.join(prune, "tokenizer.json"), JSON.stringify(tj));
const cfg = {}; for (const k of ["bos_token", "eos_token"]) if (tc[k] !== undefined) cfg[k] = tc[k];
fs.writeFileSync(path.join(prune, "tokenizer_config.json"), JSON.stringify(cfg) + "\n");
fs.writeFileSync(path.join(prune, "expected.tsv"), out.join("\n") + "\n");
