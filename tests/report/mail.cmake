# Times as senders write them, reply tags.
vigil_test(test_report_time SOURCES test_report_time.c LIBS vigil_report)
