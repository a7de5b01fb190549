#include "hw/msix.h"
#include "hw/pci.h"

#include <stdlib.h>
#include <string.h>

#define MSIX_CTRL_OFF		2
#define MSIX_TABLE_OFF		4
#define MSIX_PBA_OFF		8
#define MSIX_CAP_LEN		12
#define MSIX_FLAG_MASKALL	0x4000
#define MSIX_FLAG_ENABLE	0x8000
#define MSIX_VECTOR_MASKED	0x1

int msix_init(struct msix *m, struct pci_device *dev, unsigned nr, unsigned bar,
	      uint32_t table_off, uint32_t pba_off, const struct msix_sink *sink)
{
	uint16_t ctrl = (uint16_t)(nr - 1);
	uint32_t t = table_off | bar, p = pba_off | bar;
	unsigned i;

	memset(m, 0, sizeof(*m));
	if (nr == 0 || nr > MSIX_MAX_VECTORS || (table_off & 7) || (pba_off & 7))
		return -1;
	m->table = calloc(nr, sizeof(*m->table));
	m->pba = calloc((nr + 63) / 64, sizeof(*m->pba));
	if (!m->table || !m->pba)
		goto err;
	m->cap = pci_device_add_cap(dev, PCI_CAP_ID_MSIX, MSIX_CAP_LEN);
	if (!m->cap)
		goto err;
	pthread_mutex_init(&m->lock, NULL);
	m->dev = dev;
	m->nr = nr;
	m->sink = *sink;
	for (i = 0; i < nr; i++)
		m->table[i].ctrl = MSIX_VECTOR_MASKED;	/* masked at reset */
	memcpy(dev->cfg + m->cap + MSIX_CTRL_OFF, &ctrl, 2);
	memcpy(dev->cfg + m->cap + MSIX_TABLE_OFF, &t, 4);
	memcpy(dev->cfg + m->cap + MSIX_PBA_OFF, &p, 4);
	/* Only the enable and function mask bits are writable. */
	dev->wmask[m->cap + MSIX_CTRL_OFF + 1] = (MSIX_FLAG_ENABLE | MSIX_FLAG_MASKALL) >> 8;
	return 0;
err:
	free(m->table);
	free(m->pba);
	return -1;
}

void msix_destroy(struct msix *m)
{
	if (!m->table)
		return;
	free(m->table);
	free(m->pba);
	pthread_mutex_destroy(&m->lock);
	m->table = NULL;
}

static bool vector_masked(const struct msix *m, unsigned v)
{
	return m->function_mask || (m->table[v].ctrl & MSIX_VECTOR_MASKED);
}

static void set_pending(struct msix *m, unsigned v, bool on)
{
	if (on)
		m->pba[v / 64] |= 1ull << (v % 64);
	else
		m->pba[v / 64] &= ~(1ull << (v % 64));
}

static bool pending(const struct msix *m, unsigned v)
{
	return m->pba[v / 64] & (1ull << (v % 64));
}

/* Deliver what became deliverable (called with the lock held). */
static void flush_pending(struct msix *m)
{
	unsigned v;

	if (!m->enabled)
		return;
	for (v = 0; v < m->nr; v++) {
		if (pending(m, v) && !vector_masked(m, v)) {
			set_pending(m, v, false);
			m->sink.fire(m->sink.opaque, v);
		}
	}
}

void msix_config_written(struct msix *m)
{
	uint16_t ctrl;

	pthread_mutex_lock(&m->lock);
	memcpy(&ctrl, m->dev->cfg + m->cap + MSIX_CTRL_OFF, 2);
	m->enabled = ctrl & MSIX_FLAG_ENABLE;
	m->function_mask = ctrl & MSIX_FLAG_MASKALL;
	flush_pending(m);
	pthread_mutex_unlock(&m->lock);
}

/* Table accesses are dword or qword aligned (PCI 3.0, 6.8.2.9); others are dropped. */
static bool table_access_ok(const struct msix *m, uint64_t off, unsigned len)
{
	return (len == 4 || len == 8) && !(off % len) && off + len <= (uint64_t)m->nr * MSIX_ENTRY_SIZE;
}

void msix_table_read(struct msix *m, uint64_t off, void *data, unsigned len)
{
	memset(data, 0xff, len);
	if (!table_access_ok(m, off, len))
		return;
	pthread_mutex_lock(&m->lock);
	memcpy(data, (uint8_t *)m->table + off, len);
	pthread_mutex_unlock(&m->lock);
}

void msix_table_write(struct msix *m, uint64_t off, const void *data, unsigned len)
{
	unsigned v = (unsigned)(off / MSIX_ENTRY_SIZE);
	struct msix_entry *e;
	struct msix_entry old;

	if (!table_access_ok(m, off, len))
		return;
	pthread_mutex_lock(&m->lock);
	e = &m->table[v];
	old = *e;
	memcpy((uint8_t *)m->table + off, data, len);
	e->ctrl &= MSIX_VECTOR_MASKED;	/* the other control bits are reserved */
	if (old.addr_lo != e->addr_lo || old.addr_hi != e->addr_hi || old.data != e->data)
		m->sink.route(m->sink.opaque, v, ((uint64_t)e->addr_hi << 32) | e->addr_lo,
			      e->data);
	flush_pending(m);
	pthread_mutex_unlock(&m->lock);
}

void msix_pba_read(struct msix *m, uint64_t off, void *data, unsigned len)
{
	memset(data, 0, len);
	pthread_mutex_lock(&m->lock);
	if (off + len <= (uint64_t)((m->nr + 63) / 64) * 8)
		memcpy(data, (uint8_t *)m->pba + off, len);
	pthread_mutex_unlock(&m->lock);
}

bool msix_notify(struct msix *m, unsigned v)
{
	bool on;

	if (v >= m->nr)
		return false;
	pthread_mutex_lock(&m->lock);
	on = m->enabled;
	if (on && vector_masked(m, v))
		set_pending(m, v, true);
	else if (on)
		m->sink.fire(m->sink.opaque, v);
	pthread_mutex_unlock(&m->lock);
	return on;
}

bool msix_enabled(struct msix *m)
{
	bool on;

	pthread_mutex_lock(&m->lock);
	on = m->enabled;
	pthread_mutex_unlock(&m->lock);
	return on;
}

static unsigned pba_words(const struct msix *m)
{
	return (m->nr + 63) / 64;
}

void msix_save(struct msix *m, struct state_writer *w)
{
	unsigned v;

	pthread_mutex_lock(&m->lock);
	state_put_u16(w, (uint16_t)m->nr);
	for (v = 0; v < m->nr; v++) {
		state_put_u32(w, m->table[v].addr_lo);
		state_put_u32(w, m->table[v].addr_hi);
		state_put_u32(w, m->table[v].data);
		state_put_u32(w, m->table[v].ctrl);
	}
	for (v = 0; v < pba_words(m); v++)
		state_put_u64(w, m->pba[v]);
	pthread_mutex_unlock(&m->lock);
}

void msix_saved_free(struct msix_saved *s)
{
	free(s->table);
	free(s->pba);
	s->table = NULL;
	s->pba = NULL;
}

static int load_entries(struct msix *m, struct state_reader *r, struct msix_saved *s)
{
	unsigned v, last = m->nr % 64;

	for (v = 0; v < m->nr; v++) {
		struct msix_entry *e = &s->table[v];

		e->addr_lo = state_get_u32(r);
		e->addr_hi = state_get_u32(r);
		e->data = state_get_u32(r);
		e->ctrl = state_get_u32(r);
		if (e->ctrl & ~MSIX_VECTOR_MASKED) {
			state_invalid(r, "MSI-X vector %u: reserved control bits 0x%x", v, e->ctrl);
			return -1;
		}
	}
	for (v = 0; v < pba_words(m); v++)
		s->pba[v] = state_get_u64(r);
	if (last && (s->pba[pba_words(m) - 1] >> last)) {
		state_invalid(r, "MSI-X: pending bits past the last of %u vectors", m->nr);
		return -1;
	}
	return r->failed ? -1 : 0;
}

int msix_load(struct msix *m, struct state_reader *r, struct msix_saved *s)
{
	unsigned nr = state_get_u16(r);

	s->table = NULL;
	s->pba = NULL;
	if (r->failed)
		return -1;
	if (nr != m->nr) {
		state_invalid(r, "MSI-X: %u vectors saved, this function has %u", nr, m->nr);
		return -1;
	}
	s->table = calloc(m->nr, sizeof(*s->table));
	s->pba = calloc(pba_words(m), sizeof(*s->pba));
	if (!s->table || !s->pba) {
		state_invalid(r, "MSI-X: out of memory");
		msix_saved_free(s);
		return -1;
	}
	if (load_entries(m, r, s)) {
		msix_saved_free(s);
		return -1;
	}
	return 0;
}

void msix_apply(struct msix *m, struct msix_saved *s)
{
	struct msix_entry *old_table = m->table;
	uint64_t *old_pba = m->pba;
	uint16_t ctrl;
	unsigned v;

	pthread_mutex_lock(&m->lock);
	m->table = s->table;
	m->pba = s->pba;
	memcpy(&ctrl, m->dev->cfg + m->cap + MSIX_CTRL_OFF, 2);
	m->enabled = ctrl & MSIX_FLAG_ENABLE;
	m->function_mask = ctrl & MSIX_FLAG_MASKALL;
	/* The routes behind the vectors are the machine's: program each one again. */
	for (v = 0; v < m->nr; v++)
		m->sink.route(m->sink.opaque, v,
			      (uint64_t)m->table[v].addr_hi << 32 | m->table[v].addr_lo,
			      m->table[v].data);
	flush_pending(m);
	pthread_mutex_unlock(&m->lock);
	s->table = NULL;
	s->pba = NULL;
	free(old_table);
	free(old_pba);
}
