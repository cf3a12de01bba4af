# The template engine (src/notify/template.c): compiling, rendering, errors.
vigil_test(test_template SOURCES test_template.c LIBS vigil_notify)
