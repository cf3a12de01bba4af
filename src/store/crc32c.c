/*
 * crc32c.c - CRC-32C (Castagnoli polynomial, as iSCSI, ext4 and RocksDB use)
 * for the store's block and footer checksums. On x86-64 CPUs with SSE4.2 the
 * `crc32` instruction does 8 bytes a step (chosen once at run time); the
 * portable slice-by-8 table version stays as the fallback for other CPUs and
 * as the reference the tests compare the fast one against.
 */
#include "store/store_int.h"

#include <pthread.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC_HW 1
#include <nmmintrin.h>
#endif

static uint32_t tab[8][256];
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;
static int use_hw;

static void tab_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			tab[t][i] = (tab[t - 1][i] >> 8) ^ tab[0][tab[t - 1][i] & 0xff];
#ifdef CRC_HW
	__builtin_cpu_init();
	use_hw = __builtin_cpu_supports("sse4.2") != 0;
#endif
}

/* Portable slice-by-8; tables must be built (pthread_once) by the caller. */
static uint32_t crc_sw(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len >= 8) {
		uint32_t lo = crc ^ get_u32le(p), hi = get_u32le(p + 4);

		crc = tab[7][lo & 0xff] ^ tab[6][(lo >> 8) & 0xff] ^ tab[5][(lo >> 16) & 0xff] ^
		      tab[4][lo >> 24] ^ tab[3][hi & 0xff] ^ tab[2][(hi >> 8) & 0xff] ^
		      tab[1][(hi >> 16) & 0xff] ^ tab[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ tab[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

#ifdef CRC_HW
/* SSE4.2 crc32 instruction; same polynomial and bit order as crc_sw. Loads go
 * through memcpy, so any alignment is fine. Only called when the CPU has it. */
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t *p,
							  size_t len)
{
	uint64_t c = ~crc;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = _mm_crc32_u8((uint32_t)c, *p++);
	return ~(uint32_t)c;
}
#endif

uint32_t store_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&tab_once, tab_init);
#ifdef CRC_HW
	if (use_hw)
		return crc_hw(crc, buf, len);
#endif
	return crc_sw(crc, buf, len);
}

uint32_t store_crc32c_portable(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&tab_once, tab_init);
	return crc_sw(crc, buf, len);
}

int store_crc32c_hw(void)
{
	pthread_once(&tab_once, tab_init);
	return use_hw;
}
