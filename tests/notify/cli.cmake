# `vigil notify` and `vigil advisory` end to end against a real SMTP server and gpg.
vigil_script_test(notify_cli cli.sh)
