// fuzz-libs: vigil_report
/*
 * fuzz_shadowserver.c - the Shadowserver CSV parser of src/report on one part of a mail; see
 * report_part_driver.h.
 */
#include "report_part_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run_part(&report_shadowserver, data, size);
}
