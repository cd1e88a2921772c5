/*
 * box.c - one box coordinate in the 0..100 grid of grounding answers, as
 * the official CheXinstruct build computes it, shared by the adapters'
 * fact check (a box of zero area after quantisation is rejected when it is
 * read) and the renderer (tasks/boxes.c), so both agree to the unit.
 *
 * The official rule: v / size x 1000, truncated to an integer bin, clamped
 * to 0..999, then that bin / 10 rounded half to even (Python's round()).
 * Hence 0..100, with a corner on the far edge (v = size) at 100.
 */
#include "cx.h"

#include <math.h>

int cx_box_coord(double v, double size)
{
	double bin = trunc(v / size * 1000.0);
	if (!(bin > 0)) /* also NaN */
		bin = 0;
	if (bin > 999)
		bin = 999;
	/* bin / 10 is exact at the halves (x.5), and rint() rounds them to even
	 * in the default rounding mode, as Python's round() does. */
	return (int)rint(bin / 10.0);
}
