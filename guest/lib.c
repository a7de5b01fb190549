/* Memory helpers and the polled serial console. */
#include "guest.h"

#define COM1		0x3f8
#define UART_LSR	5
#define LSR_THRE	0x20
#define THRE_SPINS	100000

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *dp = d;

	while (n--)
		*dp++ = (uint8_t)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

static volatile uint32_t con_lock;

void con_putc(char c)
{
	unsigned spins = 0;

	while (!(inb(COM1 + UART_LSR) & LSR_THRE) && spins++ < THRE_SPINS)
		cpu_relax();
	outb(COM1, (uint8_t)c);
}

static void put_str(const char *s, int width, int left)
{
	int len = 0;

	while (s[len])
		len++;
	for (; !left && width > len; width--)
		con_putc(' ');
	while (*s)
		con_putc(*s++);
	for (; left && width > len; width--)
		con_putc(' ');
}

static void put_num(uint64_t v, unsigned base, int width, char pad, int negative)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (negative)
		buf[n++] = '-';
	for (; width > n; width--)
		con_putc(pad);
	while (n)
		con_putc(buf[--n]);
}

static void vprint(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int width = 0, longs = 0, left = 0;
		char pad = ' ';
		int64_t sv;

		if (*fmt != '%') {
			if (*fmt == '\n')
				con_putc('\r');
			con_putc(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '-') {
			left = 1;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			put_str(va_arg(ap, const char *), width, left);
			break;
		case 'c':
			con_putc((char)va_arg(ap, int));
			break;
		case 'd':
			sv = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_num(sv < 0 ? (uint64_t)-sv : (uint64_t)sv, 10, width, pad, sv < 0);
			break;
		case 'u':
			put_num(longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad, 0);
			break;
		case 'x':
			put_num(longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad, 0);
			break;
		case '%':
			con_putc('%');
			break;
		default:
			con_putc('?');
			break;
		}
	}
}

void con_printf(const char *fmt, ...)
{
	va_list ap;

	/* One CPU prints a whole line at a time. */
	while (__atomic_exchange_n(&con_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	__atomic_store_n(&con_lock, 0, __ATOMIC_RELEASE);
}

uint32_t wait_flag(volatile uint32_t *flag, uint64_t cycles)
{
	uint64_t start = rdtsc(), rflags;

	/* Interrupts on while waiting: on some hosts an MSI lands well after its cause. */
	__asm__ volatile("pushfq; popq %0; sti" : "=r"(rflags) : : "memory");
	while (!*flag && rdtsc() - start < cycles)
		cpu_relax();
	__asm__ volatile("pushq %0; popfq" : : "r"(rflags) : "memory", "cc");
	return *flag;
}

void settle_until(uint64_t tsc)
{
	while (rdtsc() < tsc)
		cpu_relax();
}

/* Spin until the RTC's seconds register changes; 0 if it did not before @limit. */
static int next_second(uint64_t limit)
{
	uint8_t s = cmos(0x00);

	while (cmos(0x00) == s)
		if (rdtsc() > limit)
			return 0;
	return 1;
}

/* TSC ticks in one second of the RTC (between two updates of its seconds). */
uint64_t tsc_hz(void)
{
	uint64_t limit = rdtsc() + 50ull * 1000 * 1000 * 1000, t0;

	if (!next_second(limit))
		return 0;
	t0 = rdtsc();
	return next_second(limit) ? rdtsc() - t0 : 0;
}
