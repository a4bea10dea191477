/* Lua binding: runs an experiment file in a fresh Lua state with the embedded DSL and copies the
   expanded runs into C structs. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "experiment_lua.h"   /* generated from core/lua/experiment.lua: experiment_lua[] */
#include "lua_experiment.h"

static void copy_str(char *dst, size_t n, lua_State *L, int idx) {
    const char *s = lua_tostring(L, idx);
    snprintf(dst, n, "%s", s ? s : "");
}

static double num_at(lua_State *L, int idx, int i) {
    lua_rawgeti(L, idx, i);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

static void str_at(char *dst, size_t n, lua_State *L, int idx, int i) {
    lua_rawgeti(L, idx, i);
    copy_str(dst, n, L, -1);
    lua_pop(L, 1);
}

/* report_spec() of the DSL into r */
static int read_report(ReportSpec *r, lua_State *L, const char *path, char *err, size_t errlen) {
    lua_getglobal(L, "report_spec");
    if (lua_pcall(L, 0, 5, 0)) { snprintf(err, errlen, "%s: %s", path, lua_tostring(L, -1)); return -1; }
    copy_str(r->title, sizeof r->title, L, -5);
    copy_str(r->group_by, sizeof r->group_by, L, -4);
    r->ntables = (int)luaL_len(L, -3);
    r->tables = calloc((size_t)r->ntables + 1, sizeof(TableSpec));
    for (int i = 1; i <= r->ntables; i++) {
        TableSpec *t = &r->tables[i - 1];
        lua_rawgeti(L, -3, i);
        str_at(t->metric, sizeof t->metric, L, -1, 1);
        str_at(t->caption, sizeof t->caption, L, -1, 2);
        t->scale = num_at(L, -1, 3);
        t->digits = (int)num_at(L, -1, 4);
        lua_pop(L, 1);
    }
    r->ncurves = (int)luaL_len(L, -2);
    r->curves = calloc((size_t)r->ncurves + 1, sizeof(CurveSpec));
    for (int i = 1; i <= r->ncurves; i++) {
        CurveSpec *c = &r->curves[i - 1];
        lua_rawgeti(L, -2, i);
        str_at(c->name, sizeof c->name, L, -1, 1);
        str_at(c->col[0], sizeof c->col[0], L, -1, 2);
        str_at(c->col[1], sizeof c->col[1], L, -1, 3);
        c->scale = num_at(L, -1, 4);
        lua_pop(L, 1);
    }
    r->nfigures = (int)luaL_len(L, -1);
    r->figures = calloc((size_t)r->nfigures + 1, sizeof(FigureSpec));
    for (int i = 1; i <= r->nfigures; i++) {
        FigureSpec *f = &r->figures[i - 1];
        lua_rawgeti(L, -1, i);
        str_at(f->script, sizeof f->script, L, -1, 1);
        str_at(f->args, sizeof f->args, L, -1, 2);
        lua_pop(L, 1);
    }
    lua_pop(L, 5);
    return 0;
}

int experiment_load(Experiment *e, const char *path, char *err, size_t errlen) {
    memset(e, 0, sizeof(*e));
    snprintf(e->path, sizeof e->path, "%s", path);
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    int rc = -1;
    if (luaL_loadbuffer(L, (const char *)experiment_lua, sizeof(experiment_lua) - 1, "=experiment.lua") || lua_pcall(L, 0, 0, 0)) {
        snprintf(err, errlen, "internal error in the experiment DSL: %s", lua_tostring(L, -1));
        goto done;
    }
    if (luaL_dofile(L, path)) {
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
        goto done;
    }
    /* default name: the file's base name without .lua */
    const char *slash = strrchr(path, '/');
    char defname[64];
    snprintf(defname, sizeof defname, "%s", slash ? slash + 1 : path);
    char *dot = strstr(defname, ".lua");
    if (dot) *dot = 0;
    lua_getglobal(L, "expand");
    lua_pushstring(L, defname);
    if (lua_pcall(L, 1, 3, 0)) {
        snprintf(err, errlen, "%s: %s", path, lua_tostring(L, -1));
        goto done;
    }
    copy_str(e->name, sizeof e->name, L, -3);
    copy_str(e->base, sizeof e->base, L, -2);
    int n = (int)luaL_len(L, -1);
    e->runs = calloc((size_t)(n ? n : 1), sizeof(PlannedRun));
    e->nruns = n;
    for (int i = 1; i <= n; i++) {
        PlannedRun *r = &e->runs[i - 1];
        lua_rawgeti(L, -1, i);
        lua_getfield(L, -1, "id");    copy_str(r->id, sizeof r->id, L, -1);       lua_pop(L, 1);
        lua_getfield(L, -1, "label"); copy_str(r->label, sizeof r->label, L, -1); lua_pop(L, 1);
        lua_getfield(L, -1, "overrides");
        r->nov = (int)luaL_len(L, -1);
        r->ov = calloc((size_t)(r->nov ? r->nov : 1), sizeof(Override));
        for (int j = 1; j <= r->nov; j++) {
            lua_rawgeti(L, -1, j);
            lua_rawgeti(L, -1, 1); copy_str(r->ov[j - 1].key, sizeof r->ov[j - 1].key, L, -1);     lua_pop(L, 1);
            lua_rawgeti(L, -1, 2); copy_str(r->ov[j - 1].value, sizeof r->ov[j - 1].value, L, -1); lua_pop(L, 1);
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 3);
    if (read_report(&e->report, L, path, err, errlen) != 0) goto done;
    rc = 0;
done:
    lua_close(L);
    if (rc != 0) experiment_free(e);   /* nothing half-read is handed back */
    return rc;
}

void experiment_free(Experiment *e) {
    for (int i = 0; i < e->nruns; i++) free(e->runs[i].ov);
    free(e->runs);
    free(e->report.tables); free(e->report.curves); free(e->report.figures);
    memset(e, 0, sizeof(*e));
}
