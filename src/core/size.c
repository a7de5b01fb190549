#include "core/size.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (*s || v > max)
		return -1;
	*out = v;
	return 0;
}

static int suffix_shift(const char *suf, unsigned *shift)
{
	static const char units[] = "KMGT";
	const char *u;

	if (!*suf)
		return 1;
	u = strchr(units, toupper((unsigned char)*suf));
	if (!u || !*u)
		return -1;
	suf++;
	if (*suf && strcasecmp(suf, "B") && strcasecmp(suf, "iB"))
		return -1;
	*shift = 10 * (unsigned)(u - units + 1);
	return 0;
}

int parse_size(const char *s, uint64_t default_unit, uint64_t *out)
{
	char digits[32];
	size_t n = 0;
	uint64_t v, mult;
	unsigned shift = 0;
	int r;

	if (!s)
		return -1;
	while (isdigit((unsigned char)s[n]))
		n++;
	if (n == 0 || n >= sizeof(digits))
		return -1;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (parse_uint(digits, UINT64_MAX, &v))
		return -1;
	r = suffix_shift(s + n, &shift);
	if (r < 0)
		return -1;
	mult = r > 0 ? default_unit : (uint64_t)1 << shift;
	if (mult && v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}
