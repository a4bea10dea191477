/* The one precision mechanism of the core: every file that computes on tensors uses `real`,
   and is compiled twice, as float (-DLOFT_F32, networks) and as double (the matrix-factorization
   task and the equivalence tests). The public names below get a _f32 or _f64 suffix so that both
   builds live in one library; a translation unit picks its precision before including headers.
   The Makefile links both builds into a shared object, so a name missing here fails the build. */
#ifndef LOFT_REAL_H
#define LOFT_REAL_H
#include <math.h>

#ifdef LOFT_F32
typedef float real;
#define sqrtr sqrtf
#define expr expf
#define erfr erff
#define tanhr tanhf
#define LOFT_NAME(x) x##_f32
#define LOFT_PRECISION "float32"
#else
typedef double real;
#define sqrtr sqrt
#define expr exp
#define erfr erf
#define tanhr tanh
#define LOFT_NAME(x) x##_f64
#define LOFT_PRECISION "float64"
#endif

/* blas.c */
#define blas_gemm LOFT_NAME(blas_gemm)
#define blas_gemm_naive LOFT_NAME(blas_gemm_naive)
#define blas_sumsq LOFT_NAME(blas_sumsq)
#define blas_rel_dist LOFT_NAME(blas_rel_dist)
/* linalg.c */
#define sym_pinv LOFT_NAME(sym_pinv)
#define transpose LOFT_NAME(transpose)
#define small_matmul LOFT_NAME(small_matmul)
/* init.c */
#define init_uniform LOFT_NAME(init_uniform)
#define init_normal LOFT_NAME(init_normal)
#define init_linear_uniform LOFT_NAME(init_linear_uniform)
/* optim/adamw.c */
#define adam_moments LOFT_NAME(adam_moments)
#define adamw_apply LOFT_NAME(adamw_apply)
#define adamw_step LOFT_NAME(adamw_step)
/* optim/optimizer.c */
#define optim_create LOFT_NAME(optim_create)
#define optim_step LOFT_NAME(optim_step)
#define optim_state_bytes LOFT_NAME(optim_state_bytes)
#define optim_free LOFT_NAME(optim_free)
#define OPTIM_API LOFT_NAME(OPTIM_API)
/* optim/loft.c */
#define loft_pair_init LOFT_NAME(loft_pair_init)
#define loft_pair_free LOFT_NAME(loft_pair_free)
#define loft_pair_state_bytes LOFT_NAME(loft_pair_state_bytes)
#define loft_pair_begin LOFT_NAME(loft_pair_begin)
#define loft_pair_sqnorm LOFT_NAME(loft_pair_sqnorm)
#define loft_pair_scale_grads LOFT_NAME(loft_pair_scale_grads)
#define loft_pair_step LOFT_NAME(loft_pair_step)
/* adapters/lora.c */
#define lora_scale LOFT_NAME(lora_scale)
#define lora_init LOFT_NAME(lora_init)
#define lora_forward LOFT_NAME(lora_forward)
#define lora_backward LOFT_NAME(lora_backward)
#define lora_backward_dW LOFT_NAME(lora_backward_dW)
#define lora_merge LOFT_NAME(lora_merge)
/* adapters/dora.c */
#define dora_init_magnitude LOFT_NAME(dora_init_magnitude)
#define dora_weight LOFT_NAME(dora_weight)
#define dora_forward LOFT_NAME(dora_forward)
#define dora_backward_dW LOFT_NAME(dora_backward_dW)
#define dora_backward LOFT_NAME(dora_backward)
/* adapters/adapted_linear.c */
#define alinear_forward LOFT_NAME(alinear_forward)
#define alinear_backward LOFT_NAME(alinear_backward)
#define alinear_merge LOFT_NAME(alinear_merge)
/* nn/layers.c */
#define linear_forward LOFT_NAME(linear_forward)
#define linear_backward LOFT_NAME(linear_backward)
#define layernorm_forward LOFT_NAME(layernorm_forward)
#define layernorm_backward LOFT_NAME(layernorm_backward)
#define gelu_forward LOFT_NAME(gelu_forward)
#define gelu_backward LOFT_NAME(gelu_backward)
#define gelu_tanh_forward LOFT_NAME(gelu_tanh_forward)
#define gelu_tanh_backward LOFT_NAME(gelu_tanh_backward)
#define attention_forward LOFT_NAME(attention_forward)
#define attention_backward LOFT_NAME(attention_backward)
#define crossentropy_forward LOFT_NAME(crossentropy_forward)
#define crossentropy_backward LOFT_NAME(crossentropy_backward)
#define patchify LOFT_NAME(patchify)
#define tokens_forward LOFT_NAME(tokens_forward)
#define tokens_backward LOFT_NAME(tokens_backward)
#define embedding_forward LOFT_NAME(embedding_forward)
#define embedding_backward LOFT_NAME(embedding_backward)
/* tasks/mf.c */
#define mf_create LOFT_NAME(mf_create)
#define mf_free LOFT_NAME(mf_free)
#define mf_set_problem LOFT_NAME(mf_set_problem)
#define mf_draw_problem LOFT_NAME(mf_draw_problem)
#define mf_weight LOFT_NAME(mf_weight)
#define mf_loss_grad LOFT_NAME(mf_loss_grad)
#define mf_params LOFT_NAME(mf_params)
#define mf_run LOFT_NAME(mf_run)
/* nn/blocks.c */
#define blocks_alloc LOFT_NAME(blocks_alloc)
#define blocks_free LOFT_NAME(blocks_free)
#define blocks_forward LOFT_NAME(blocks_forward)
#define blocks_backward LOFT_NAME(blocks_backward)
#define blocks_output LOFT_NAME(blocks_output)
#define blocks_add_adapters LOFT_NAME(blocks_add_adapters)
#define blocks_merge LOFT_NAME(blocks_merge)
#define blocks_adapter_params LOFT_NAME(blocks_adapter_params)
/* io/checkpoint.c */
#define checkpoint_save LOFT_NAME(checkpoint_save)
#define checkpoint_load LOFT_NAME(checkpoint_load)
/* tasks/gpt.c */
#define gpt_create LOFT_NAME(gpt_create)
#define gpt_free LOFT_NAME(gpt_free)
#define gpt_init LOFT_NAME(gpt_init)
#define gpt_param LOFT_NAME(gpt_param)
#define gpt_add_adapters LOFT_NAME(gpt_add_adapters)
#define gpt_merge LOFT_NAME(gpt_merge)
#define gpt_forward LOFT_NAME(gpt_forward)
#define gpt_backward LOFT_NAME(gpt_backward)
#define gpt2_read_config LOFT_NAME(gpt2_read_config)
#define gpt2_write_config LOFT_NAME(gpt2_write_config)
#define gpt2_load LOFT_NAME(gpt2_load)
#define gpt2_save LOFT_NAME(gpt2_save)
#define gpt_trainables LOFT_NAME(gpt_trainables)
#define GPT_PARAM_NAMES LOFT_NAME(GPT_PARAM_NAMES)
/* tasks/vit.c */
#define vit_create LOFT_NAME(vit_create)
#define vit_free LOFT_NAME(vit_free)
#define vit_init LOFT_NAME(vit_init)
#define vit_param LOFT_NAME(vit_param)
#define vit_reset_head LOFT_NAME(vit_reset_head)
#define vit_add_adapters LOFT_NAME(vit_add_adapters)
#define vit_merge LOFT_NAME(vit_merge)
#define vit_forward LOFT_NAME(vit_forward)
#define vit_backward LOFT_NAME(vit_backward)
#define vit_trainables LOFT_NAME(vit_trainables)
#define VIT_PARAM_NAMES LOFT_NAME(VIT_PARAM_NAMES)
#endif
