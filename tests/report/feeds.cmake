# Every report sample of ../shared/data through `vigil report parse` (skipped when absent).
add_test(NAME report_samples COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/samples.py)
set_tests_properties(report_samples PROPERTIES TIMEOUT 600
  ENVIRONMENT "VIGIL=$<TARGET_FILE:vigil>;VIGIL_SOURCE_DIR=${CMAKE_SOURCE_DIR};VIGIL_DATA_DIR=${CMAKE_SOURCE_DIR}/../shared/data")
