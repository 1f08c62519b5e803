/*
 * bench_fp — two double-precision kernels: an n-body integration and a 2-D
 * heat-diffusion stencil.
 *
 * Usage: bench_fp [STEPS]   (default 160k; about 250 M instructions;
 * k/m suffixes allowed)
 *
 *   n-body   a star and seven bodies in the plane and out of it (units with
 *            G = 1), STEPS steps of semi-implicit Euler (kick, then drift)
 *            with dt = 0.001: each step computes every pairwise force with a
 *            square root and a division
 *   stencil  a 48x48 plate with a hot edge, STEPS/500 Jacobi sweeps of the
 *            five-point average, ping-ponging between two grids
 *
 * Output: the total energy before and after the integration, the final
 * position of the first body, the momentum (which must stay near zero), and
 * the plate's mean temperature and centre value — each printed with few
 * enough digits (%.9f) that every IEEE-754 machine that rounds each operation
 * the same prints the same text. Status 0; 2 bad usage.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"

#define BODIES 8
#define GRID 48

struct body {
	double x, y, z, vx, vy, vz, m;
};

static struct body sys[BODIES];

/* A heavy star at rest and light bodies on roughly circular orbits at
 * radii 1..7, each tilted a little out of the plane, then the star's
 * velocity set so the total momentum is zero. */
static void bodies_init(void)
{
	sys[0] = (struct body){0, 0, 0, 0, 0, 0, 1000.0};
	for (int i = 1; i < BODIES; i++) {
		double r = (double)i, a = 0.9 * i;  /* radius and angle */
		double c = cos(a), s = sin(a), v = sqrt(sys[0].m / r);
		sys[i] = (struct body){r * c, r * s, 0.05 * r * s, -v * s, v * c, 0.01 * i, 0.1 * i};
	}
	double px = 0, py = 0, pz = 0;
	for (int i = 1; i < BODIES; i++) {
		px += sys[i].vx * sys[i].m;
		py += sys[i].vy * sys[i].m;
		pz += sys[i].vz * sys[i].m;
	}
	sys[0].vx = -px / sys[0].m;
	sys[0].vy = -py / sys[0].m;
	sys[0].vz = -pz / sys[0].m;
}

static double energy(void)
{
	double e = 0;
	for (int i = 0; i < BODIES; i++) {
		struct body *b = &sys[i];
		e += 0.5 * b->m * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
		for (int j = i + 1; j < BODIES; j++) {
			double dx = b->x - sys[j].x, dy = b->y - sys[j].y, dz = b->z - sys[j].z;
			e -= b->m * sys[j].m / sqrt(dx * dx + dy * dy + dz * dz);
		}
	}
	return e;
}

static void advance(double dt)
{
	for (int i = 0; i < BODIES; i++) {
		struct body *b = &sys[i];
		for (int j = i + 1; j < BODIES; j++) {
			struct body *o = &sys[j];
			double dx = b->x - o->x, dy = b->y - o->y, dz = b->z - o->z;
			double d2 = dx * dx + dy * dy + dz * dz;
			double mag = dt / (d2 * sqrt(d2));
			b->vx -= dx * o->m * mag;
			b->vy -= dy * o->m * mag;
			b->vz -= dz * o->m * mag;
			o->vx += dx * b->m * mag;
			o->vy += dy * b->m * mag;
			o->vz += dz * b->m * mag;
		}
	}
	for (int i = 0; i < BODIES; i++) {
		sys[i].x += dt * sys[i].vx;
		sys[i].y += dt * sys[i].vy;
		sys[i].z += dt * sys[i].vz;
	}
}

static double grid[2][GRID][GRID];

/* Left edge at 100 degrees, the rest of the border at 0, interior at 20. */
static void plate_init(void)
{
	for (int g = 0; g < 2; g++)
		for (int i = 0; i < GRID; i++)
			for (int j = 0; j < GRID; j++)
				grid[g][i][j] = j == 0 ? 100.0 : (i == 0 || i == GRID - 1 || j == GRID - 1) ? 0.0 : 20.0;
}

/* One sweep from grid[from] into the other; returns the largest change. */
static double sweep(int from)
{
	double (*src)[GRID] = grid[from], (*dst)[GRID] = grid[!from], delta = 0;
	for (int i = 1; i < GRID - 1; i++)
		for (int j = 1; j < GRID - 1; j++) {
			double v = 0.25 * (src[i - 1][j] + src[i + 1][j] + src[i][j - 1] + src[i][j + 1]);
			double d = fabs(v - src[i][j]);
			if (d > delta)
				delta = d;
			dst[i][j] = v;
		}
	return delta;
}

int main(int argc, char **argv)
{
	uint64_t steps = 160000;
	if (argc > 2 || (argc == 2 && !parse_u64(argv[1], &steps))) {
		fprintf(stderr, "bench_fp: usage: bench_fp [STEPS]\n");
		return 2;
	}
	bodies_init();
	double e0 = energy();
	for (uint64_t s = 0; s < steps; s++)
		advance(0.001);
	double e1 = energy(), px = 0, py = 0, pz = 0;
	for (int i = 0; i < BODIES; i++) {
		px += sys[i].m * sys[i].vx;
		py += sys[i].m * sys[i].vy;
		pz += sys[i].m * sys[i].vz;
	}

	plate_init();
	uint64_t sweeps = steps / 500;
	double delta = 0;
	for (uint64_t s = 0; s < sweeps; s++)
		delta = sweep((int)(s & 1));
	double (*final)[GRID] = grid[sweeps & 1], sum = 0;
	for (int i = 0; i < GRID; i++)
		for (int j = 0; j < GRID; j++)
			sum += final[i][j];

	printf("bench_fp: steps=%lu bodies=%d sweeps=%lu grid=%dx%d\n", (unsigned long)steps, BODIES,
	       (unsigned long)sweeps, GRID, GRID);
	printf("energy before=%.9f after=%.9f\n", e0, e1);
	printf("body1 x=%.9f y=%.9f z=%.9f\n", sys[1].x, sys[1].y, sys[1].z);
	printf("momentum %.9f %.9f %.9f\n", px, py, pz);
	printf("plate mean=%.9f centre=%.9f last_delta=%.9f\n", sum / (GRID * GRID),
	       final[GRID / 2][GRID / 2], delta);
	return 0;
}
