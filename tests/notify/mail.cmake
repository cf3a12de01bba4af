# Mail composition and PGP/MIME checked against gmime and the gpg binary;
# SMTP against tests/notify/smtpd.py (aiosmtpd under /usr/bin/python3).
vigil_test(test_compose SOURCES test_compose.c LIBS vigil_notify)
vigil_test(test_smtp SOURCES test_smtp.c LIBS vigil_notify)
