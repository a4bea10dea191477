/* Lua binding: runs an experiment file in a fresh, bounded Lua state with the embedded DSL and
   copies the expanded runs and the report declaration into C structs. The file is text only (no
   precompiled chunks), the DSL's own functions are held where the file cannot replace them, the
   state has an instruction and a memory budget, reading a global nobody defined is an error
   (a typo would read as nil), and no string is ever cut: a value longer than its field is an
   error naming it. */
#include <ctype.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../io/config.h"
#include "../io/suggest.h"
#include "experiment_lua.h"   /* generated from core/lua/experiment.lua: experiment_lua[] */
#include "lua_experiment.h"

#define LUA_INSTRUCTIONS 200000000L    /* an experiment file is a declaration: 2e8 steps is a loop */
#define LUA_HOOK_EVERY 100000
#define LUA_MEMORY ((size_t)1 << 30)   /* bytes the Lua state may hold */

/* the state's budgets and the first error of a read-out */
typedef struct {
    size_t bytes;                      /* held by the Lua state */
    long instructions;
    const char *path;
    char *err;
    size_t errlen;
    int bad;
} Reader;

static void *bounded_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    Reader *r = ud;
    if (!ptr) osize = 0;
    if (nsize == 0) { free(ptr); r->bytes -= osize; return NULL; }
    if (nsize > osize && r->bytes + (nsize - osize) > LUA_MEMORY) return NULL;   /* Lua raises "not enough memory" */
    void *p = realloc(ptr, nsize);
    if (p) r->bytes += nsize - osize;
    return p;
}

static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    Reader *r;
    lua_getallocf(L, (void **)&r);
    r->instructions += LUA_HOOK_EVERY;
    if (r->instructions > LUA_INSTRUCTIONS)
        luaL_error(L, "the experiment file ran more than %d million Lua instructions (an endless loop?)",
                   (int)(LUA_INSTRUCTIONS / 1000000));
}

/* suggest(word, { names }) for the DSL: the closest name when one is close (io/suggest.h), else nil */
static int lua_suggest(lua_State *L) {
    const char *word = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    Suggest s;
    suggest_begin(&s, word);
    for (lua_Integer i = 1, n = (lua_Integer)lua_rawlen(L, 2); i <= n; i++) {
        size_t len;
        if (lua_rawgeti(L, 2, i) == LUA_TSTRING) { const char *name = lua_tolstring(L, -1, &len); suggest_offer(&s, name, len); }
        lua_pop(L, 1);
    }
    if (suggest_best(&s)) lua_pushstring(L, suggest_best(&s));
    else lua_pushnil(L);
    return 1;
}

/* __index of the global table while the experiment file runs: a name that is neither a global, a
   standard library nor the DSL's (grid = { rank = rnaks }) is an error at the reading line, with
   the closest local, upvalue or global name when one is close. Writing new globals stays free. */
static int undefined_name(lua_State *L) {
    const char *name = luaL_tolstring(L, 2, NULL);
    Suggest s;
    suggest_begin(&s, name);
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar)) {   /* the function that read the name: its active locals and upvalues */
        const char *n;
        for (int i = 1; (n = lua_getlocal(L, &ar, i)) != NULL; i++) {
            lua_pop(L, 1);
            if (n[0] != '(') suggest_offer(&s, n, strlen(n));   /* "(temporary)" and the like are no names */
        }
        if (lua_getinfo(L, "f", &ar)) {
            for (int i = 1; (n = lua_getupvalue(L, -1, i)) != NULL; i++) {
                lua_pop(L, 1);
                if (strcmp(n, "_ENV") != 0) suggest_offer(&s, n, strlen(n));
            }
            lua_pop(L, 1);
        }
    }
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (lua_type(L, -2) == LUA_TSTRING) { size_t len; const char *k = lua_tolstring(L, -2, &len); suggest_offer(&s, k, len); }
        lua_pop(L, 1);
    }
    char hint[SUGGEST_MAX + 32];
    return luaL_error(L, "undefined name '%s'%s", name, suggest_hint(&s, hint, sizeof hint));
}

/* 1 when line `line` of the file at path has the key in written as `in =` (in is a Lua keyword) */
static int line_has_in_key(const char *path, long line) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char buf[4096];
    int found = 0;
    for (long l = 1; !found && fgets(buf, sizeof buf, f); l += strchr(buf, '\n') != NULL) {
        if (l != line) continue;
        for (const char *p = buf; (p = strstr(p, "in")) != NULL; p += 2) {
            unsigned char before = p > buf ? (unsigned char)p[-1] : ' ';
            if (isalnum(before) || before == '_' || before == '"' || before == '\'') continue;   /* lin =, ["in"] = */
            const char *q = p + 2;
            while (*q == ' ' || *q == '\t') q++;
            if (q[0] == '=' && q[1] != '=') { found = 1; break; }
        }
    }
    fclose(f);
    return found;
}

/* dst (n bytes) = the string at idx; a longer string is an error naming `what` */
static void take_str(Reader *r, char *dst, size_t n, lua_State *L, int idx, const char *what) {
    size_t len = 0;
    const char *s = lua_tolstring(L, idx, &len);
    if (!s) { s = ""; len = 0; }
    if (len >= n) {
        if (!r->bad) snprintf(r->err, r->errlen, "%s: %s is %zu characters long, at most %zu are allowed: '%.60s...'",
                              r->path, what, len, n - 1, s);
        r->bad = 1;
        dst[0] = 0;
        return;
    }
    memcpy(dst, s, len + 1);
}

static double num_at(lua_State *L, int idx, int i) {
    lua_rawgeti(L, idx, i);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

static void str_at(Reader *r, char *dst, size_t n, lua_State *L, int idx, int i, const char *what) {
    lua_rawgeti(L, idx, i);
    take_str(r, dst, n, L, -1, what);
    lua_pop(L, 1);
}

/* calls the DSL function held in the registry under ref with nargs arguments on the stack */
static int call_dsl(lua_State *L, int ref, int nargs, int nresults) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_insert(L, -1 - nargs);
    return lua_pcall(L, nargs, nresults, 0);
}

/* the list of strings at idx (a family's rows or metrics) into dst (at most max of n bytes each) */
static int str_list(Reader *r, char *dst, size_t n, int max, lua_State *L, int idx, const char *what) {
    const int k = (int)lua_rawlen(L, idx);
    if (k > max) {
        if (!r->bad) snprintf(r->err, r->errlen, "%s: %s lists %d entries, at most %d are allowed", r->path, what, k, max);
        r->bad = 1;
        return 0;
    }
    for (int i = 1; i <= k; i++) str_at(r, dst + (size_t)(i - 1) * n, n, L, idx, i, what);
    return k;
}

/* the families of report_spec() (the table on top of the stack) into rs */
static void read_families(Reader *r, ReportSpec *rs, lua_State *L) {
    rs->nfamilies = (int)lua_rawlen(L, -1);
    rs->families = calloc((size_t)rs->nfamilies + 1, sizeof(FamilySpec));
    for (int i = 1; i <= rs->nfamilies; i++) {
        FamilySpec *f = &rs->families[i - 1];
        lua_rawgeti(L, -1, i);
        str_at(r, f->name, sizeof f->name, L, -1, 1, "a family's name");
        str_at(r, f->compare_to, sizeof f->compare_to, L, -1, 2, "a family's compare_to");
        lua_rawgeti(L, -1, 3);
        f->nrows = str_list(r, f->rows[0], sizeof f->rows[0], FAMILY_ROWS, L, -1, "a family's rows");
        lua_pop(L, 1);
        lua_rawgeti(L, -1, 4);
        f->nmetrics = str_list(r, f->metrics[0], sizeof f->metrics[0], FAMILY_METRICS, L, -1, "a family's metrics");
        lua_pop(L, 2);
    }
}

/* report_spec() of the DSL into rs */
static int read_report(Reader *r, ReportSpec *rs, lua_State *L, int ref) {
    if (call_dsl(L, ref, 0, 7)) { snprintf(r->err, r->errlen, "%s: %s", r->path, lua_tostring(L, -1)); return -1; }
    read_families(r, rs, L);
    lua_pop(L, 1);
    take_str(r, rs->compare_to, sizeof rs->compare_to, L, -1, "report.compare_to");
    lua_pop(L, 1);
    take_str(r, rs->title, sizeof rs->title, L, -5, "report.title");
    take_str(r, rs->group_by, sizeof rs->group_by, L, -4, "report.group_by");
    rs->ntables = (int)lua_rawlen(L, -3);
    rs->tables = calloc((size_t)rs->ntables + 1, sizeof(TableSpec));
    for (int i = 1; i <= rs->ntables; i++) {
        TableSpec *t = &rs->tables[i - 1];
        lua_rawgeti(L, -3, i);
        str_at(r, t->metric, sizeof t->metric, L, -1, 1, "a table's metric");
        str_at(r, t->caption, sizeof t->caption, L, -1, 2, "a table's caption");
        t->scale = num_at(L, -1, 3);
        t->digits = (int)num_at(L, -1, 4);
        t->better_higher = (int)num_at(L, -1, 5);
        t->log_scale = (int)num_at(L, -1, 6);
        t->margin = num_at(L, -1, 7);
        t->margin_relative = (int)num_at(L, -1, 8);
        t->test_items = (int)num_at(L, -1, 9);
        lua_pop(L, 1);
    }
    rs->ncurves = (int)lua_rawlen(L, -2);
    rs->curves = calloc((size_t)rs->ncurves + 1, sizeof(CurveSpec));
    for (int i = 1; i <= rs->ncurves; i++) {
        CurveSpec *c = &rs->curves[i - 1];
        lua_rawgeti(L, -2, i);
        str_at(r, c->name, sizeof c->name, L, -1, 1, "a curve's name");
        str_at(r, c->col[0], sizeof c->col[0], L, -1, 2, "a curve's column");
        str_at(r, c->col[1], sizeof c->col[1], L, -1, 3, "a curve's column");
        c->scale = num_at(L, -1, 4);
        lua_pop(L, 1);
    }
    rs->nfigures = (int)lua_rawlen(L, -1);
    rs->figures = calloc((size_t)rs->nfigures + 1, sizeof(FigureSpec));
    for (int i = 1; i <= rs->nfigures; i++) {
        FigureSpec *f = &rs->figures[i - 1];
        lua_rawgeti(L, -1, i);
        str_at(r, f->script, sizeof f->script, L, -1, 1, "a figure's script");
        str_at(r, f->args, sizeof f->args, L, -1, 2, "a figure's gnuplot settings");
        lua_pop(L, 1);
    }
    lua_pop(L, 5);
    return r->bad ? -1 : 0;
}

/* the expanded runs (the table on top of the stack) into e */
static void read_runs(Reader *r, Experiment *e, lua_State *L) {
    int n = (int)lua_rawlen(L, -1);
    e->runs = calloc((size_t)(n ? n : 1), sizeof(PlannedRun));
    e->nruns = n;
    for (int i = 1; i <= n && !r->bad; i++) {
        PlannedRun *p = &e->runs[i - 1];
        lua_rawgeti(L, -1, i);
        lua_getfield(L, -1, "id");    take_str(r, p->id, sizeof p->id, L, -1, "a run id");       lua_pop(L, 1);
        lua_getfield(L, -1, "label"); take_str(r, p->label, sizeof p->label, L, -1, "a label"); lua_pop(L, 1);
        lua_getfield(L, -1, "role");       take_str(r, p->role, sizeof p->role, L, -1, "a run's role");               lua_pop(L, 1);
        lua_getfield(L, -1, "tune_group"); take_str(r, p->tune_group, sizeof p->tune_group, L, -1, "a tuning group"); lua_pop(L, 1);
        lua_getfield(L, -1, "tune_key");   take_str(r, p->tune_key, sizeof p->tune_key, L, -1, "the tuned key");     lua_pop(L, 1);
        lua_getfield(L, -1, "tune_value"); take_str(r, p->tune_value, sizeof p->tune_value, L, -1, "a tuned value"); lua_pop(L, 1);
        lua_getfield(L, -1, "tune_on");    take_str(r, p->tune_on, sizeof p->tune_on, L, -1, "tune.on");             lua_pop(L, 1);
        lua_getfield(L, -1, "tune_higher"); p->tune_higher = (int)lua_tointeger(L, -1);                            lua_pop(L, 1);
        lua_getfield(L, -1, "tune_widen");  p->tune_widen = (int)lua_tointeger(L, -1);                             lua_pop(L, 1);
        lua_getfield(L, -1, "follow_key");   take_str(r, p->follow_key, sizeof p->follow_key, L, -1, "a followed key");       lua_pop(L, 1);
        lua_getfield(L, -1, "follow_group"); take_str(r, p->follow_group, sizeof p->follow_group, L, -1, "a followed group"); lua_pop(L, 1);
        lua_getfield(L, -1, "overrides");
        p->nov = (int)lua_rawlen(L, -1);
        p->ov = calloc((size_t)(p->nov ? p->nov : 1), sizeof(Override));
        for (int j = 1; j <= p->nov; j++) {
            lua_rawgeti(L, -1, j);
            str_at(r, p->ov[j - 1].key, sizeof p->ov[j - 1].key, L, -1, 1, "a config key");
            str_at(r, p->ov[j - 1].value, sizeof p->ov[j - 1].value, L, -1, 2, "a config value");
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
}

int experiment_load(Experiment *e, const char *path, char *err, size_t errlen) {
    memset(e, 0, sizeof(*e));
    Reader r = { 0, 0, path, err, errlen, 0 };
    if (strlen(path) >= sizeof e->path) { snprintf(err, errlen, "%s: the path is longer than %zu characters", path, sizeof e->path - 1); return -1; }
    snprintf(e->path, sizeof e->path, "%s", path);
    lua_State *L = lua_newstate(bounded_alloc, &r);
    if (!L) { snprintf(err, errlen, "%s: cannot create a Lua state", path); return -1; }
    luaL_openlibs(L);
    int rc = -1;
    /* LoFT's building blocks for with_block_ablations: { {label, key}, ... } from methods/settings.def */
    lua_newtable(L);
    int nblocks = 0;
#define OPTIM_SETTING(name, type, size, lo, hi, choices, def, methods, ablation, help) \
    if (ablation[0]) {                                                               \
        lua_createtable(L, 2, 0);                                                    \
        lua_pushstring(L, ablation);                                                 \
        lua_rawseti(L, -2, 1);                                                       \
        lua_pushstring(L, #name);                                                    \
        lua_rawseti(L, -2, 2);                                                       \
        lua_rawseti(L, -2, ++nblocks);                                               \
    }
#include "../methods/settings.def"
#undef OPTIM_SETTING
    lua_setglobal(L, "LOFT_BLOCKS");
    lua_pushcfunction(L, lua_suggest);
    lua_setglobal(L, "LOFT_SUGGEST");
    if (luaL_loadbuffer(L, (const char *)experiment_lua, sizeof(experiment_lua) - 1, "=experiment.lua") || lua_pcall(L, 0, 0, 0)) {
        snprintf(err, errlen, "internal error in the experiment DSL: %s", lua_tostring(L, -1));
        goto done;
    }
    /* the DSL's entry points, held in the registry: the experiment file cannot replace them */
    lua_getglobal(L, "expand");
    int ref_expand = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_getglobal(L, "report_spec");
    int ref_report = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushglobaltable(L);   /* strict globals: reading an undefined name is an error */
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, undefined_name);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    config_warnings_reset();   /* a setting its method ignores is reported once per experiment load */
    lua_sethook(L, count_hook, LUA_MASKCOUNT, LUA_HOOK_EVERY);
    int status = luaL_loadfilex(L, path, "t");   /* text only: no precompiled chunks */
    if (status == LUA_OK) status = lua_pcall(L, 0, 0, 0);
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        size_t plen = strlen(path);
        if (status == LUA_ERRMEM) snprintf(err, errlen, "%s: the experiment file needs more than %zu MB of memory", path, LUA_MEMORY >> 20);
        else if (msg && strncmp(msg, path, plen) == 0) snprintf(err, errlen, "%s", msg);   /* path:line: ... */
        else snprintf(err, errlen, "%s: %s", path, msg ? msg : "error");
        /* `set = { in = 24 }`: Lua says "unexpected symbol near 'in'" */
        if (status == LUA_ERRSYNTAX && msg && strstr(msg, "near 'in'") && strncmp(msg, path, plen) == 0 && msg[plen] == ':' &&
            line_has_in_key(path, strtol(msg + plen + 1, NULL, 10))) {
            size_t used = strlen(err);
            snprintf(err + used, errlen - used, "; write [\"in\"] = ... (in is a Lua keyword)");
        }
        goto done;
    }
    /* default name: the file's base name without .lua */
    const char *slash = strrchr(path, '/');
    char defname[256];
    snprintf(defname, sizeof defname, "%s", slash ? slash + 1 : path);
    char *dot = strstr(defname, ".lua");
    if (dot) *dot = 0;
    lua_pushstring(L, defname);
    if (call_dsl(L, ref_expand, 1, 4)) {
        snprintf(err, errlen, "%s: %s", path, lua_tostring(L, -1));
        goto done;
    }
    if (lua_isstring(L, -1)) {   /* the DSL's note on a plain experiment (no variants, no grid) */
        snprintf(e->notice, sizeof e->notice, "%s: %s", path, lua_tostring(L, -1));
        fprintf(stderr, "note: %s\n", e->notice);
    }
    lua_pop(L, 1);
    take_str(&r, e->name, sizeof e->name, L, -3, "the experiment's name");
    take_str(&r, e->base, sizeof e->base, L, -2, "base");
    read_runs(&r, e, L);
    if (r.bad) goto done;
    lua_pop(L, 3);
    if (read_report(&r, &e->report, L, ref_report) != 0) goto done;
    rc = 0;
done:
    lua_close(L);
    if (rc != 0) experiment_free(e);   /* nothing half-read is handed back */
    return rc;
}

void experiment_free(Experiment *e) {
    for (int i = 0; i < e->nruns; i++) free(e->runs[i].ov);
    free(e->runs);
    free(e->report.tables); free(e->report.curves); free(e->report.figures); free(e->report.families);
    memset(e, 0, sizeof(*e));
}
