/* quad.h: the model numerics (quad.c) the model files share privately:
 * adaptive Gauss-Kronrod quadrature and the regularised incomplete beta
 * function.  modelint.h includes it, so a model file sees both. */
#ifndef SK_QUAD_H
#define SK_QUAD_H

/* The nf-vector integrand at x, written to f[0..nf). */
typedef void (*sk_quad_fn)(double x, double *f, void *ctx);
/* sk_quad's 15-point Kronrod rule on [-1, 1]: abscissae x >= 0 (the
 * last 0), their weights, and the 7-point Gauss weights at x[1], x[3],
 * x[5], x[7]. */
extern const double *const sk_gk15_x, *const sk_gk15_wk, *const sk_gk15_wg;
/* Integrate f over [lo, hi] to relative error epsrel per component into
 * res[0..nf) (nf <= 6); see quad.c for the strategy and the return. */
int sk_quad(sk_quad_fn f, void *ctx, int nf, double lo, double hi, double epsrel,
	    double *res);
/* I_x(a, b) with y = 1 - x passed separately, clamped to [0, 1]. */
double sk_beta_inc(double a, double b, double x, double y);

#endif
