# The NAT log readers on fixtures, the kernel-recorded conntrack log and the shared samples.
vigil_test(test_nat_parse SOURCES test_nat_parse.c LIBS vigil_nat PkgConfig::JANSSON)
