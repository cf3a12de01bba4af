// fuzz-libs: vigil_report
/*
 * fuzz_acns.c - the ACNS XML parser (and the text-only notice reader) of src/report on one part of a mail; see
 * report_part_driver.h.
 */
#include "report_part_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run_part(&report_acns, data, size);
	return fz_run_part(&report_acns_text, data, size);
}
