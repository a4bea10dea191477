/* What the run layer knows of an optimizer, in no precision: its settings (OptimConfig) and a
   table of entry points (OptimApi) over an opaque Optimizer, one table per precision. The
   tensors an optimizer works on are typed (optimizer.h); here they are opaque pointers. */
#ifndef LOFT_OPTIM_CONFIG_H
#define LOFT_OPTIM_CONFIG_H
#include <stddef.h>
#include "../io/config.h"

typedef enum { OPTIM_ADAMW = 0, OPTIM_LOFT = 1 } OptimKind;
typedef enum { PARITY_NONE = 0, PARITY_TNURBEK_148998D = 1 } ParityMode;

typedef struct {
    OptimKind kind;
    double beta1, beta2, eps, weight_decay;
    double max_grad_norm;          /* > 0: clip the global gradient norm to this */
    double damping;                /* delta in (V^T V + delta I)^-1, exact mode */
    /* LoFT building blocks (spec section 3); ignored by OPTIM_ADAMW */
    int alternate_update;          /* 1 */
    int alternate_first_A;         /* 0: B (= U) moves first, the spec's default */
    int rescale_grads;             /* 2 */
    int reproject_momentum;        /* 3 */
    int reproject_second_moment;   /* 4 */
    int project_full_update;       /* 5 */
    int clip_projected;            /* 6 */
    ParityMode parity;
    int row_block;                 /* rows per block of the streamed update; 0 = automatic */
} OptimConfig;

typedef struct Optimizer Optimizer;

/* optim_create / optim_step / optim_state_bytes / optim_free of one precision; pairs and plain
   point to AdapterPair and PlainTensor arrays of that precision */
typedef struct {
    const char *precision;         /* "float32" | "float64" */
    Optimizer *(*create)(const OptimConfig *cfg, const void *pairs, int npairs, const void *plain, int nplain,
                         char *err, size_t errlen);
    double (*step)(Optimizer *opt, double lr);
    size_t (*state_bytes)(const Optimizer *opt);
    void (*free)(Optimizer *opt);
} OptimApi;

/* defaults: betas (0.9, 0.999), eps 1e-8 (AdamW) or 1e-4 (LoFT), decay 0, every block on */
OptimConfig optim_config_default(OptimKind kind);
/* the settings of a run's config (method, betas, decay, clipping, the six blocks, parity); the
   block switches act for method loft only */
OptimConfig optim_config_of_run(const RunConfig *c);
/* the entry points for "float32" or "float64", or NULL */
const OptimApi *optim_api(const char *precision);
#endif
