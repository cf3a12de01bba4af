// fuzz-libs: vigil_report
/*
 * fuzz_xarf.c - the X-ARF parser (v0.2 YAML, v4 JSON) of src/report on one part of a mail; see
 * report_part_driver.h.
 */
#include "report_part_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run_part(&report_xarf, data, size);
}
