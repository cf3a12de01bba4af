# `vigil report` end to end (NAT trace, duplicates, replies, rejected, maildir, stdin, samples).
vigil_script_test(report_cli cli.sh)
