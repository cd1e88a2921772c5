/*
 * xxh.h - xxHash, through libxxhash's x86 dispatch when the build found it
 * (meson.build sets CX_XXH_DISPATCH): XXH3 then uses AVX2 on a CPU that has
 * it, 2-3x the speed of the library's default entry points over large
 * buffers (shard and record hashes of `shard` and `verify`); the hashes are
 * the same either way. Include it instead of <xxhash.h>.
 */
#ifndef CX_UTIL_XXH_H
#define CX_UTIL_XXH_H

#include <xxhash.h>
#ifdef CX_XXH_DISPATCH
#include <xxh_x86dispatch.h>
#endif

#endif
