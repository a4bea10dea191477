// The C interface of spm.h over sentencepiece::SentencePieceProcessor (C++17). No exception
// leaves this file: every entry point catches and reports.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>
#include <sentencepiece_processor.h>
#include "spm.h"

struct SpmModel { sentencepiece::SentencePieceProcessor sp; };

extern "C" SpmModel *spm_load(const char *path, char *err, size_t errlen) {
    try {
        SpmModel *m = new SpmModel;
        auto st = m->sp.Load(path);
        if (!st.ok()) {
            std::snprintf(err, errlen, "%s: not a SentencePiece model (%s)", path, st.ToString().c_str());
            delete m;
            return nullptr;
        }
        return m;
    } catch (const std::exception &e) {
        std::snprintf(err, errlen, "%s: %s", path, e.what());
        return nullptr;
    }
}

extern "C" long spm_encode(const SpmModel *m, const char *text, size_t n, int add_bos, int add_eos, int *ids, size_t cap) {
    try {
        std::vector<int> v;
        if (!m->sp.Encode(std::string(text, n), &v).ok()) return -1;
        size_t k = 0, need = v.size() + (add_bos ? 1 : 0) + (add_eos ? 1 : 0);
        if (need > cap || (add_bos && m->sp.bos_id() < 0) || (add_eos && m->sp.eos_id() < 0)) return -1;
        if (add_bos) ids[k++] = m->sp.bos_id();
        for (int id : v) ids[k++] = id;
        if (add_eos) ids[k++] = m->sp.eos_id();
        return (long)k;
    } catch (...) {
        return -1;
    }
}

extern "C" long spm_decode(const SpmModel *m, const int *ids, size_t nids, char *out, size_t cap) {
    try {
        std::vector<int> v(ids, ids + nids);
        for (int id : v) if (id < 0 || id >= m->sp.GetPieceSize()) return -1;
        std::string s;
        if (!m->sp.Decode(v, &s).ok() || s.size() + 1 > cap) return -1;
        std::memcpy(out, s.data(), s.size());
        out[s.size()] = 0;
        return (long)s.size();
    } catch (...) {
        return -1;
    }
}

extern "C" int spm_vocab(const SpmModel *m) { return m->sp.GetPieceSize(); }
extern "C" int spm_bos(const SpmModel *m) { return m->sp.bos_id(); }
extern "C" int spm_eos(const SpmModel *m) { return m->sp.eos_id(); }
extern "C" void spm_free(SpmModel *m) { delete m; }
