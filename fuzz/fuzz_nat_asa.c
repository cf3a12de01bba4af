// fuzz-libs: vigil_nat
/*
 * fuzz_nat_asa.c - the asa reader of src/nat: the input is a log fed to a
 * streaming reader in two pieces (split where the first byte says), so
 * lines that span feeds are exercised; then the same bytes with the format
 * left to detection. Every record must be well formed.
 */
#include "nat_driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_nat_run(nat_format_find("asa"), data, size);
	fz_nat_run(NULL, data, size);
	return 0;
}
