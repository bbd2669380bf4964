/*
 * Drift's GEMM (Sources/DriftKernels) against OpenBLAS's cblas_sgemm on the same shapes, in one
 * process, alternating, medians of several timed blocks. Built and run by scripts/bench-gemm.sh
 * (once per OPENBLAS_CORETYPE); never part of Drift itself.
 * Output: one tab-separated line per shape: label, m, n, k, transA, transB, threads, drift GFLOP/s,
 * OpenBLAS GFLOP/s, OpenBLAS core name.
 */
#include "drift_kernels.h"
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void openblas_set_num_threads(int);
char *openblas_get_corename(void);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

typedef struct { int ta, tb; long m, n, k, lo, hi; const float *a, *b; float *c; int path; } job;

/* Columns lo..<hi of C, as Drift splits a product across its workers. */
static void *run_part(void *p) {
    job *j = p;
    long lda = j->ta ? j->m : j->k, ldb = j->tb ? j->k : j->n;
    const float *b = j->tb ? j->b + j->lo * ldb : j->b + j->lo;
    drift_sgemm(j->path, j->ta, j->tb, j->m, j->hi - j->lo, j->k, 1, j->a, lda, b, ldb, 0, j->c + j->lo, j->n);
    return NULL;
}

static void drift(int threads, job base) {
    if (threads == 1) { base.lo = 0; base.hi = base.n; run_part(&base); return; }
    pthread_t t[8];
    job parts[8];
    for (int i = 0; i < threads; i++) {
        parts[i] = base;
        parts[i].lo = base.n * i / threads;
        parts[i].hi = base.n * (i + 1) / threads;
        pthread_create(&t[i], NULL, run_part, &parts[i]);
    }
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
}

static void blas(job j) {
    cblas_sgemm(CblasRowMajor, j.ta ? CblasTrans : CblasNoTrans, j.tb ? CblasTrans : CblasNoTrans, j.m, j.n, j.k, 1, j.a,
                j.ta ? j.m : j.k, j.b, j.tb ? j.k : j.n, 0, j.c, j.n);
}

/* n floats, 64-byte aligned. */
static float *floats(long n) { return aligned_alloc(64, (size_t)(n * 4 + 63) / 64 * 64); }

static void settle(void) { struct timespec d = { 0, 300000000 }; nanosleep(&d, NULL); }

static int cmp(const void *x, const void *y) { double a = *(const double *)x, b = *(const double *)y; return a < b ? -1 : a > b; }

static void shape(const char *label, long m, long n, long k, int ta, int tb, int threads) {
    float *a = floats(m * k), *b = floats(k * n);
    float *c = floats(m * n);
    for (long i = 0; i < m * k; i++) a[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < k * n; i++) b[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    job base = { ta, tb, m, n, k, 0, n, a, b, c, drift_kernel_best() };
    openblas_set_num_threads(threads);
    double flop = 2.0 * m * n * k;
    int reps = (int)(0.25e9 * threads / flop) + 1;   /* ~25 ms blocks at 10 GFLOP/s per thread */
    double td[9], to[9];
    drift(threads, base);
    blas(base);
    for (int r = 0; r < 9; r++) {
        /* OpenBLAS's workers spin for a while (2^28 cycles by default) after a call returns;
         * on two cores they would take a core from the next timed block. Let them go to sleep. */
        if (threads > 1) settle();
        double t0 = now();
        for (int i = 0; i < reps; i++) drift(threads, base);
        double t1 = now();
        if (threads > 1) settle();
        double t2 = now();
        for (int i = 0; i < reps; i++) blas(base);
        double t3 = now();
        td[r] = (t1 - t0) / reps;
        to[r] = (t3 - t2) / reps;
    }
    qsort(td, 9, sizeof(double), cmp);
    qsort(to, 9, sizeof(double), cmp);
    printf("%s\t%ld\t%ld\t%ld\t%d\t%d\t%d\t%.1f\t%.1f\t%s\n", label, m, n, k, ta, tb, threads, flop / td[4] / 1e9,
           flop / to[4] / 1e9, openblas_get_corename());
    fflush(stdout);
    free(a); free(b); free(c);
}

/* A whole 3×3 convolution (stride 1, padding 1) of `count` images, as each side would run it:
 * Drift in the Winograd domain (input transform, 16 GEMMs, output transform; the filter
 * transform is left out, as a network does it once per step for all groups), OpenBLAS as the
 * im2col GEMM W[O, 9C]·col[9C, H·W·count] alone (the im2col copy is left out, in its favour).
 * GFLOP/s of the direct convolution, 2·O·9C·H·W·count, for both. */
static void conv(const char *label, long count, long c, long o, long h, long w) {
    long tiles = (h + 1) / 2 * ((w + 1) / 2) * count, p = h * w * count;
    long vp = drift_winograd_plane_stride(c * tiles), mp = drift_winograd_plane_stride(o * tiles);
    float *x = floats(count * c * h * w), *y = floats(count * o * h * w);
    float *u = floats(16 * o * c), *v = floats(16 * vp), *m = floats(16 * mp);
    float *wt = floats(o * 9 * c), *col = floats(9 * c * p);
    float *out = floats(o * p);
    for (long i = 0; i < count * c * h * w; i++) x[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < o * 9 * c; i++) wt[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    for (long i = 0; i < 9 * c * p; i++) col[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    drift_winograd_filter(wt, o, c, u);
    int path = drift_kernel_best();
    openblas_set_num_threads(1);
    double flop = 2.0 * o * 9 * c * p;
    int reps = (int)(0.25e9 / flop) + 1;
    double td[9], to[9];
    for (int r = 0; r < 10; r++) {
        double t0 = now();
        for (int i = 0; i < reps; i++) {
            drift_winograd_input(path, x, count, c, h, w, v, tiles, vp);
            for (int xi = 0; xi < 16; xi++)
                drift_sgemm(path, 0, 0, o, tiles, c, 1, u + xi * o * c, c, v + xi * vp, tiles, 0, m + xi * mp, tiles);
            drift_winograd_output(path, m, count, o, h, w, tiles, mp, NULL, y);
        }
        double t1 = now();
        for (int i = 0; i < reps; i++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, o, p, 9 * c, 1, wt, 9 * c, col, p, 0, out, p);
        double t2 = now();
        if (r == 0) continue;   /* warm-up */
        td[r - 1] = (t1 - t0) / reps;
        to[r - 1] = (t2 - t1) / reps;
    }
    qsort(td, 9, sizeof(double), cmp);
    qsort(to, 9, sizeof(double), cmp);
    printf("%s\t%ld\t%ld\t%ld\t0\t0\t1\t%.1f\t%.1f\t%s\n", label, o, p, 9 * c, flop / td[4] / 1e9, flop / to[4] / 1e9,
           openblas_get_corename());
    fflush(stdout);
    free(x); free(y); free(u); free(v); free(m); free(wt); free(col); free(out);
}

int main(void) {
    shape("square 1024^3", 1024, 1024, 1024, 0, 0, 1);
    shape("square 2048^3, 2 threads", 2048, 2048, 2048, 0, 0, 2);
    /* unet28 convolutions as im2col GEMMs (batch 64, groups of images as Drift forms them):
     * forward W[O, 9C]·col[9C, P·g]; backward data Wᵀ·dY; backward weights dY·colᵀ. */
    shape("conv 28x28 32->32 forward", 32, 784, 288, 0, 0, 1);
    shape("conv 14x14 64->64 forward", 64, 392, 576, 0, 0, 1);
    shape("conv 7x7 128->128 forward", 128, 392, 1152, 0, 0, 1);
    shape("conv 28x28 32->32 backward data", 288, 784, 32, 1, 0, 1);
    shape("conv 14x14 64->64 backward weights", 64, 576, 392, 0, 1, 1);
    /* The same convolutions in the Winograd domain (what Drift runs on images ≥ 8×8; the 7×7
     * level now takes im2col, its row is kept for comparison): 16 GEMMs U[O,C]·V[C,tiles] and,
     * for the weight gradient, Ŷ[O,tiles]·V[C,tiles]ᵀ. */
    /* One Winograd group: >= 196 columns of whole images (Conv+Winograd.swift). */
    shape("winograd 28x28 32->32 (1 image)", 32, 196, 32, 0, 0, 1);
    shape("winograd 14x14 64->64 (4 images)", 64, 196, 64, 0, 0, 1);
    shape("winograd 7x7 128->128 (13 images)", 128, 208, 128, 0, 0, 1);
    shape("winograd 7x7 256->128 (13 images)", 128, 208, 256, 0, 0, 1);
    shape("winograd weights 14x14 64->64", 64, 64, 196, 0, 1, 1);
    /* The convolutions whole: Drift's Winograd pipeline against OpenBLAS's im2col GEMM. */
    conv("whole conv 28x28 32->32 (1 image)", 1, 32, 32, 28, 28);
    conv("whole conv 14x14 64->64 (4 images)", 4, 64, 64, 14, 14);
    conv("whole conv 7x7 128->128 (13 images)", 13, 128, 128, 7, 7);
    /* mlp2d (batch 4096, width 256): hidden layer forward, weight gradient. */
    shape("mlp2d hidden forward", 4096, 256, 256, 0, 1, 1);
    shape("mlp2d backward data", 4096, 256, 256, 0, 0, 1);
    shape("mlp2d weight gradient", 256, 256, 4096, 1, 0, 1);
    return 0;
}
