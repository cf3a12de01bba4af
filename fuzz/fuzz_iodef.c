// fuzz-libs: vigil_report
/*
 * fuzz_iodef.c - the IODEF 1.0 / 2.0 reader (RFC 5070, RFC 7970) of src/report
 * on one part of a mail, the way peer teams' documents arrive; see
 * report_part_driver.h. Seeds are vigil's own exports of each kind.
 */
#include "report_part_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run_part(&report_iodef, data, size);
}
