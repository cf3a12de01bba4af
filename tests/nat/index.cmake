# The NAT index and lookup, and `vigil nat` end to end.
vigil_test(test_nat_index SOURCES test_nat_index.c LIBS vigil_nat)
vigil_script_test(nat_cli cli.sh)
